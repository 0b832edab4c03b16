package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestStampedValuesWin(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261129-abc"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.time", Value: "2026-11-01T00:00:00Z"}}}
	got := resolve("1.4.0", "0123456", "2026-11-29T21:00:00Z", bi)
	want := Info{Version: "1.4.0", Commit: "0123456", Date: "2026-11-29T21:00:00Z", GoVersion: "go1.26.8"}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestUnstampedFallsBackToTheToolchain(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}, {Key: "vcs.time", Value: "2026-11-01T00:00:00Z"}}}
	got := resolve("", "", "", bi)
	want := Info{Version: "(devel)", Commit: "abc123+dirty", Date: "2026-11-01T00:00:00Z", GoVersion: "go1.26.8"}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if s := got.String(); s != "releasebot (devel) (commit abc123+dirty, built 2026-11-01T00:00:00Z, go1.26.8)" {
		t.Fatalf("String() = %q", s)
	}
}

func TestNothingKnownSaysUnknown(t *testing.T) {
	got := resolve("", "", "", nil)
	if got.Version != "unknown" || got.Commit != "unknown" || got.Date != "unknown" || got.GoVersion == "" {
		t.Fatalf("got %+v", got)
	}
}
