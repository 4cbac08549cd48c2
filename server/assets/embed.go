package assets

import (
	"embed"
	"errors"
	"io/fs"
	"maps"
	"slices"
)

// dist is the runtime make runtime built into server/assets/dist when this
// package was compiled; on a fresh checkout, only its README.
//
//go:embed dist
var dist embed.FS

// ErrNotBuilt is the error of Embedded in a binary built without the runtime.
var ErrNotBuilt = errors.New("this binary was built without the browser runtime: run `make runtime` (or `make roost`) before `go build`")

// builtFiles are the files a built runtime has, the ones served: the shim,
// the frame's and the worker's scripts, the module, the in-app presenter
// and the inbox element.
var builtFiles = slices.Sorted(maps.Keys(runtimeFiles))

// Embedded returns the runtime built into this binary: the contents of
// server/assets/dist when it was compiled, for New. It returns ErrNotBuilt
// when the binary was built before make runtime (only the README is there).
func Embedded() (fs.FS, error) {
	return builtIn(dist)
}

// builtIn returns embedded's dist directory, or ErrNotBuilt when it lacks
// any of builtFiles.
func builtIn(embedded fs.FS) (fs.FS, error) {
	sub, err := fs.Sub(embedded, "dist")
	if err != nil {
		return nil, err
	}
	if Missing(sub) != "" {
		return nil, ErrNotBuilt
	}
	return sub, nil
}

// Missing returns the first of the files a built runtime has that fsys
// lacks, or "" when it has them all.
func Missing(fsys fs.FS) string {
	for _, name := range builtFiles {
		if _, err := fs.Stat(fsys, name); err != nil {
			return name
		}
	}
	return ""
}

// BuiltFiles returns the names of the files a built runtime has.
func BuiltFiles() []string {
	return slices.Clone(builtFiles)
}
