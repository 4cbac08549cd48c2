package main

import (
	"io/fs"
	"strings"

	"github.com/roostmsg/roost/server/assets"
)

// runtimeVersion returns the version of the browser runtime built in (the
// hash tools/precompress stamps), or says it is missing.
func runtimeVersion() string {
	files, err := assets.Embedded()
	if err != nil {
		return "not built in (run `make roost`)"
	}
	b, err := fs.ReadFile(files, "version")
	if err != nil {
		return "unversioned"
	}
	return strings.TrimSpace(string(b))
}
