package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// pipeline is one of examples/*.yml: its releasebot steps by name, run
// with the real curl against the bot, so the test breaks if the example
// does.
type pipeline struct {
	t     testing.TB
	steps map[string]string // step or job name → shell script
	env   []string
}

// githubExample reads examples/github-actions.yml: the workflow's env (its
// literal values) and the run scripts of its steps.
func githubExample(t testing.TB, h *harness, token string, vars map[string]string) *pipeline {
	t.Helper()
	var wf struct {
		Env  map[string]string `json:"env"`
		Jobs map[string]struct {
			Steps []struct {
				Name string `json:"name"`
				Run  string `json:"run"`
			} `json:"steps"`
		} `json:"jobs"`
	}
	readYAML(t, "../examples/github-actions.yml", &wf)
	p := &pipeline{t: t, steps: map[string]string{}}
	for _, s := range wf.Jobs["deploy"].Steps {
		p.steps[s.Name] = s.Run
	}
	p.setEnv(h, token, wf.Env, map[string]string{
		"GITHUB_RUN_ID": "7001", "GITHUB_RUN_ATTEMPT": "1", "GITHUB_SERVER_URL": "https://github.example.com",
		"GITHUB_REPOSITORY": "acme/payments", "GITHUB_SHA": "4f2a9c1",
	}, vars)
	return p
}

// gitlabExample reads examples/gitlab-ci.yml: its variables and, per job,
// the script lines that call releasebot.
func gitlabExample(t testing.TB, h *harness, token string, vars map[string]string) *pipeline {
	t.Helper()
	var doc map[string]json.RawMessage
	readYAML(t, "../examples/gitlab-ci.yml", &doc)
	var variables map[string]string
	if err := json.Unmarshal(doc["variables"], &variables); err != nil {
		t.Fatalf("gitlab-ci.yml variables: %v", err)
	}
	p := &pipeline{t: t, steps: map[string]string{}}
	for name, raw := range doc {
		var job struct {
			Script []string `json:"script"`
		}
		if json.Unmarshal(raw, &job) != nil {
			continue
		}
		var calls []string
		for _, line := range job.Script {
			if strings.Contains(line, "/api/v1/") {
				calls = append(calls, line)
			}
		}
		if len(calls) > 0 {
			p.steps[name] = strings.Join(calls, "\n")
		}
	}
	p.setEnv(h, token, variables, map[string]string{
		"CI_PIPELINE_ID": "9001", "CI_PIPELINE_URL": "https://gitlab.example.com/acme/payments/-/pipelines/9001",
		"CI_COMMIT_SHA": "4f2a9c1",
	}, vars)
	return p
}

func readYAML(t testing.TB, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

var ciExpression = regexp.MustCompile(`\$\{\{.*\}\}|^\$CI_`)

// setEnv is the environment the CI gives the steps: the file's own
// literal values, what the CI itself sets, the bot's address and token,
// and the test's vars (VERSION, DOWNTIME_MINUTES) for what the CI would
// compute.
func (p *pipeline) setEnv(h *harness, token string, file, ci, vars map[string]string) {
	env := map[string]string{"PATH": os.Getenv("PATH"), "RELEASEBOT_URL": "http://" + h.http, "RELEASEBOT_TOKEN": token}
	for k, v := range file {
		if !ciExpression.MatchString(v) {
			env[k] = v
		}
	}
	for _, m := range []map[string]string{ci, vars} {
		for k, v := range m {
			env[k] = v
		}
	}
	for k, v := range env {
		p.env = append(p.env, k+"="+v)
	}
}

// run runs a step's script with bash and the real curl; it returns what
// the step printed and whether it succeeded.
func (p *pipeline) run(step string) (string, bool) {
	p.t.Helper()
	script, ok := p.steps[step]
	if !ok {
		p.t.Fatalf("the example has no step %q", step)
	}
	cmd := exec.Command("bash", "-e", "-o", "pipefail", "-c", script)
	cmd.Env = p.env
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		p.t.Fatalf("run %q: %v", step, err)
	}
	return string(out), err == nil
}

// mustPass runs a step that must succeed.
func (p *pipeline) mustPass(step string, parts ...string) string {
	p.t.Helper()
	out, ok := p.run(step)
	if !ok {
		p.t.Fatalf("step %q failed:\n%s", step, out)
	}
	mustContain(p.t, out, parts...)
	return out
}

// mustFail runs a step that must fail, as a refused gate fails a job.
func (p *pipeline) mustFail(step string, parts ...string) string {
	p.t.Helper()
	out, ok := p.run(step)
	if ok {
		p.t.Fatalf("step %q passed, want it to fail:\n%s", step, out)
	}
	mustContain(p.t, out, parts...)
	return out
}

// createToken makes a pipeline token as the admin and returns its secret.
func (h *harness) createToken(args string) string {
	h.t.Helper()
	reply := h.cmdAnswer(admin, releases, "/release token create "+args)
	m := regexp.MustCompile("`(rbt_[A-Za-z0-9_-]+)`").FindStringSubmatch(reply)
	if m == nil {
		h.t.Fatalf("no token in the answer:\n%s", reply)
	}
	return m[1]
}

// api calls the pipeline API with a token (none when empty) and returns
// the status and the body.
func (h *harness) api(method, path, token, body string, headers ...string) (int, string) {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req, err := http.NewRequestWithContext(h.ctx(), method, "http://"+h.http+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}
