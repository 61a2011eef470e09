package main

import (
	"runtime/debug"
	"strings"
)

// version overrides the module version when set at build time with
// -ldflags "-X main.version=v1.2.3" (a packager's own build).
var version string

// buildVersion is what --version prints: the module version and the VCS
// revision the binary was built from, as the Go toolchain records them.
func buildVersion() string {
	bi, _ := debug.ReadBuildInfo()
	return formatVersion(version, bi)
}

// formatVersion writes "VERSION [REVISION [TIME]] [modified]": VERSION is
// override or the main module's version ("(devel)" for a build inside a
// checkout; "v1.2.3" or a pseudo-version for "go install ...@version"),
// REVISION the first 12 digits of vcs.revision.
func formatVersion(override string, bi *debug.BuildInfo) string {
	if bi == nil {
		if override != "" {
			return override
		}
		return "(unknown)"
	}
	parts := []string{bi.Main.Version}
	if override != "" {
		parts[0] = override
	}
	if parts[0] == "" {
		parts[0] = "(devel)"
	}
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			parts = append(parts, s.Value[:min(len(s.Value), 12)])
		case "vcs.time":
			parts = append(parts, s.Value)
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified {
		parts = append(parts, "modified")
	}
	return strings.Join(parts, " ")
}
