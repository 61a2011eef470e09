package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

func TestFormatVersion(t *testing.T) {
	bi := func(v string, settings ...string) *debug.BuildInfo {
		b := &debug.BuildInfo{Main: debug.Module{Path: "github.com/djsession/djsession", Version: v}}
		for i := 0; i+1 < len(settings); i += 2 {
			b.Settings = append(b.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return b
	}
	for _, tc := range []struct {
		ldflags string
		bi      *debug.BuildInfo
		want    string
	}{
		{"", bi("v1.4.0"), "v1.4.0"},
		{"", bi("(devel)", "vcs.revision", "0123456789abcdef0123", "vcs.time", "2026-12-03T08:00:00Z"), "(devel) 0123456789ab 2026-12-03T08:00:00Z"},
		{"", bi("v1.4.1-0.20261203080000-0123456789ab", "vcs.revision", "0123456789abcdef", "vcs.modified", "true"), "v1.4.1-0.20261203080000-0123456789ab 0123456789ab modified"},
		{"v2.0.0", bi("(devel)", "vcs.revision", "fedcba9876543210"), "v2.0.0 fedcba987654"},
		{"", nil, "(unknown)"},
	} {
		if got := formatVersion(tc.ldflags, tc.bi); got != tc.want {
			t.Errorf("formatVersion(%q, %v) = %q, want %q", tc.ldflags, tc.bi, got, tc.want)
		}
	}
}

// TestVersionFromBuildInfo builds the command as a user does and checks
// that --version names the VCS revision it was built from.
func TestVersionFromBuildInfo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	rev, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skip("not in a git checkout:", err)
	}
	top, _ := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if fi, err := os.Stat(filepath.Join(strings.TrimSpace(string(top)), ".git")); err != nil || !fi.IsDir() {
		// the go command finds a repository by a .git directory only
		t.Skip("a git worktree (.git is a file): go build records no revision here")
	}
	bin := filepath.Join(t.TempDir(), "djsession")
	if out, err := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), string(rev[:12])) || strings.Contains(string(out), "version devel") {
		t.Errorf("--version printed %q; want the revision %s", out, rev[:12])
	}
	if !regexp.MustCompile(`^djsession version \S+`).Match(out) {
		t.Errorf("--version printed %q", out)
	}
}
