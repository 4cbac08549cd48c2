package main

import (
	"cmp"

	"github.com/roostmsg/roost/server/assets"
)

// runtimeVersion returns the version of the browser runtime built in (the
// hash tools/precompress stamps), or says it is missing.
func runtimeVersion() string {
	files, err := assets.Embedded()
	if err != nil {
		return "not built in (run `make roost`)"
	}
	return cmp.Or(assets.Version(files), "unversioned")
}
