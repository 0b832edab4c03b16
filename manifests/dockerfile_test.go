package manifests

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dockerfile returns the Dockerfile's instructions, continuation lines
// joined and comments dropped.
func dockerfile(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if more, ok := strings.CutSuffix(trimmed, "\\"); ok {
			cur.WriteString(more + " ")
			continue
		}
		cur.WriteString(trimmed)
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

// stampedVars are the package-level variables of buildinfo, which -X may set.
func stampedVars(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("../buildinfo/*.go")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
				for _, s := range g.Specs {
					for _, n := range s.(*ast.ValueSpec).Names {
						vars[n.Name] = true
					}
				}
			}
		}
	}
	return vars
}

var ldflagsRE = regexp.MustCompile(`-ldflags="([^"]*)"`)

// The image is static, distroless, non-root, labelled, and stamped with
// the version it was built from.
func TestDockerfile(t *testing.T) {
	var stages []string
	var build, user string
	labels := map[string]bool{}
	args := map[int][]string{}
	for _, ins := range dockerfile(t) {
		word, rest, _ := strings.Cut(ins, " ")
		switch strings.ToUpper(word) {
		case "FROM":
			stages = append(stages, rest)
		case "ARG":
			name, _, _ := strings.Cut(rest, "=")
			args[len(stages)] = append(args[len(stages)], name)
		case "RUN":
			if strings.Contains(rest, "go build") {
				build = rest
			}
		case "USER":
			user = rest
		case "LABEL":
			for _, m := range regexp.MustCompile(`(org\.opencontainers\.image\.[a-z.]+)=`).FindAllStringSubmatch(rest, -1) {
				labels[m[1]] = true
			}
		}
	}
	if len(stages) != 2 || !strings.HasPrefix(stages[1], "gcr.io/distroless/static") || !strings.HasSuffix(stages[1], ":nonroot") {
		t.Errorf("stages %q: want a build stage and a distroless static nonroot image", stages)
	}
	if user == "" || strings.HasPrefix(user, "0") || strings.HasPrefix(user, "root") {
		t.Errorf("USER %q", user)
	}
	if !strings.Contains(build, "CGO_ENABLED=0") {
		t.Errorf("the build is not static: %s", build)
	}
	for _, l := range []string{"title", "source", "version", "revision", "created"} {
		if !labels["org.opencontainers.image."+l] {
			t.Errorf("no org.opencontainers.image.%s label", l)
		}
	}
	vars := stampedVars(t)
	m := ldflagsRE.FindStringSubmatch(build)
	if m == nil {
		t.Fatalf("no -ldflags in %s", build)
	}
	for _, v := range []struct{ arg, name string }{{"VERSION", "version"}, {"COMMIT", "commit"}, {"DATE", "date"}} {
		if !strings.Contains(m[1], "-X github.com/releasebot/releasebot/buildinfo."+v.name+"=${"+v.arg+"}") || !vars[v.name] {
			t.Errorf("%s is not stamped into buildinfo.%s (variables: %v)", v.arg, v.name, vars)
		}
		for stage := 1; stage <= 2; stage++ {
			if !strings.Contains(strings.Join(args[stage], " "), v.arg) {
				t.Errorf("stage %d lacks ARG %s", stage, v.arg)
			}
		}
	}
}

// The Dockerfile's linker flags, run here, make a binary that names its
// build, so the image's does too.
func TestDockerfileStampsTheVersion(t *testing.T) {
	var build string
	for _, ins := range dockerfile(t) {
		if strings.HasPrefix(ins, "RUN ") && strings.Contains(ins, "go build") {
			build = ins
		}
	}
	m := ldflagsRE.FindStringSubmatch(build)
	if m == nil {
		t.Fatalf("no -ldflags in %q", build)
	}
	flags := strings.NewReplacer("${VERSION}", "9.8.7", "${COMMIT}", "0123456789abcdef", "${DATE}", "2026-11-29T21:00:00Z").Replace(m[1])
	bin := filepath.Join(t.TempDir(), "releasebot")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-ldflags="+flags, "-o", bin, "./cmd/releasebot")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build -ldflags=%q: %v\n%s", flags, err, out)
	}
	out, err := exec.CommandContext(t.Context(), bin, "-version").CombinedOutput()
	if err != nil {
		t.Fatalf("releasebot -version: %v\n%s", err, out)
	}
	if got, want := string(out), "releasebot 9.8.7 (commit 0123456789abcdef, built 2026-11-29T21:00:00Z, go1."; !strings.HasPrefix(got, want) {
		t.Fatalf("-version printed %q, want %q…", got, want)
	}
}

// The build context leaves out history, local databases and secrets.
func TestDockerignore(t *testing.T) {
	raw, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(raw), "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	for _, want := range []string{".git", "*.db", "*.db-*", ".env", "**/testdata", "/releasebot"} {
		if !lines[want] {
			t.Errorf(".dockerignore lacks %s", want)
		}
	}
	for _, needed := range []string{"go.mod", "go.sum", "cmd", "*.go", "buildinfo"} {
		if lines[needed] {
			t.Errorf(".dockerignore leaves out %s, which the build needs", needed)
		}
	}
}
