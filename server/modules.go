package server

import (
	"context"
	"time"
)

// ModulesKept is how many runtime modules a ModuleStore keeps: the newest
// one and the three before it, the ones a returning browser most likely
// still has. Older ones are forgotten.
const ModulesKept = 4

// Module is a build of the browser runtime's WebAssembly module
// (roost.wasm) that this server served.
type Module struct {
	// Version is the runtime's build version (assets.Version).
	Version string
	// SHA256 is the SHA-256 of the module's bytes: the dictionary's hash a
	// browser that has it names (Available-Dictionary).
	SHA256 [32]byte
	// Brotli is the module compressed with brotli.
	Brotli []byte
	// RememberedAt is when the module was last remembered (set by the store).
	RememberedAt time.Time
}

// ModuleStore is a Store that remembers the runtime modules served over
// the database's life, so that a new build of the server (same database)
// can send a returning browser the delta from the module it has instead
// of the whole new one (Compression Dictionary Transport: server/assets).
// The SQLite and PostgreSQL stores implement it.
type ModuleStore interface {
	Store
	// RememberModule stores m as the newest module (a module of the same
	// version is replaced and becomes the newest again), then forgets all
	// but the ModulesKept newest. It sets m.RememberedAt.
	RememberModule(ctx context.Context, m *Module) error
	// ListModules returns the modules remembered, newest first.
	ListModules(ctx context.Context) ([]*Module, error)
}
