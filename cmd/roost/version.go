package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"runtime/debug"
)

// buildTag is set at build time (-ldflags "-X main.buildTag=v1.2.3"); when
// it is not, the VCS revision Go stamps into the binary is shown.
var buildTag = ""

// buildVersion returns roost's version.
func buildVersion() string {
	if buildTag != "" {
		return buildTag
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}

// version prints roost's version and its runtime's.
func version(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "version\n\nPrints the version of roost, of Go, and of the browser runtime built in.", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s takes no arguments, got %q", fs.Name(), fs.Args())
	}
	info, _ := debug.ReadBuildInfo()
	goVersion := "unknown"
	if info != nil {
		goVersion = info.GoVersion
	}
	_, err := fmt.Fprintf(stdout, "roost %s (%s)\nbrowser runtime %s\n", buildVersion(), goVersion, runtimeVersion())
	return err
}

// keygen prints a new random secret: 32 bytes as hex, with a prefix.
func keygen(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("keygen", "keygen\n\nPrints a new random secret (256 bits, hex), for -api-key or -site-secret.", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s takes no arguments, got %q", fs.Name(), fs.Args())
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	_, err := fmt.Fprintln(stdout, "roost_"+hex.EncodeToString(b[:]))
	return err
}
