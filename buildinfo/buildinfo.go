// Package buildinfo says which build of releasebot is running. The release
// build stamps it with the linker:
//
//	go build -ldflags "-X github.com/releasebot/releasebot/buildinfo.version=1.4.0 \
//	  -X github.com/releasebot/releasebot/buildinfo.commit=$(git rev-parse HEAD) \
//	  -X github.com/releasebot/releasebot/buildinfo.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" ./cmd/releasebot
//
// Unstamped builds (go run, go install, tests) fall back to what the Go
// toolchain recorded in the binary, so a bug report always names a build.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set by -ldflags -X at build time; empty when not stamped.
var (
	version string
	commit  string
	date    string
)

// Info identifies a build.
type Info struct {
	Version   string // release version, e.g. 1.4.0, or the module version
	Commit    string // VCS revision, "+dirty" when built from a modified tree
	Date      string // build date or, unstamped, the commit's date (RFC 3339)
	GoVersion string
}

// Get returns the stamped values, filled in from the toolchain's build
// information where the linker left them empty.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(version, commit, date, bi)
}

func resolve(version, commit, date string, bi *debug.BuildInfo) Info {
	info := Info{Version: version, Commit: commit, Date: date, GoVersion: runtime.Version()}
	if bi != nil {
		info.GoVersion = bi.GoVersion
		settings := map[string]string{}
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
		if info.Version == "" && bi.Main.Version != "" {
			info.Version = bi.Main.Version
		}
		if info.Commit == "" && settings["vcs.revision"] != "" {
			info.Commit = settings["vcs.revision"]
			if settings["vcs.modified"] == "true" {
				info.Commit += "+dirty"
			}
		}
		if info.Date == "" {
			info.Date = settings["vcs.time"]
		}
	}
	for _, f := range []*string{&info.Version, &info.Commit, &info.Date} {
		if *f == "" {
			*f = "unknown"
		}
	}
	return info
}

// String is the line `releasebot -version` prints.
func (i Info) String() string {
	return fmt.Sprintf("releasebot %s (commit %s, built %s, %s)", i.Version, i.Commit, i.Date, i.GoVersion)
}
