package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/assets"
)

// rememberTimeout bounds the store's work of rememberModules at start-up.
const rememberTimeout = 30 * time.Second

// rememberModules records the runtime module of files (roost.wasm) in the
// store, when it is a server.ModuleStore and the runtime is versioned, and
// then computes, in the background, the delta to it from each earlier
// module the store remembers, into deltas: a browser that kept one of
// those (Compression Dictionary Transport) then downloads the delta, not
// the whole module. Until a delta is ready, the whole module is served.
// It logs one line when the deltas are ready; Close stops it between
// deltas. Errors are logged: they cost
// returning browsers bytes, nothing else.
func (s *Service) rememberModules(files fs.FS, deltas *assets.Deltas) {
	ms, ok := s.db.(server.ModuleStore)
	version := assets.Version(files)
	if !ok || version == "" {
		return
	}
	start := time.Now()
	module, compressed, err := moduleFiles(files)
	if err != nil {
		s.log.Warn("runtime deltas: the module cannot be read; returning browsers download it whole", "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), rememberTimeout)
	defer cancel()
	own := &server.Module{Version: version, SHA256: sha256.Sum256(module), Brotli: compressed}
	if err := ms.RememberModule(ctx, own); err != nil {
		s.log.Warn("runtime deltas: the store cannot remember the module; returning browsers download it whole", "err", err)
		return
	}
	all, err := ms.ListModules(ctx)
	if err != nil {
		s.log.Warn("runtime deltas: the store cannot list the earlier modules; returning browsers download the module whole", "err", err)
		return
	}
	// An earlier version with the same module (a deploy that changed only
	// the scripts) is a dictionary too: its delta is the module from itself.
	var earlier []*server.Module
	same := false
	for _, m := range all {
		switch {
		case m.Version == version:
		case m.SHA256 == own.SHA256:
			if !same {
				earlier, same = append(earlier, own), true
			}
		default:
			earlier = append(earlier, m)
		}
	}
	if len(earlier) == 0 {
		s.log.Info("runtime deltas: no earlier module remembered", "runtime", version, "module_bytes", len(module))
		return
	}
	go func() {
		var sizes []string
		for _, m := range earlier {
			if s.closed.Err() != nil {
				return // closed: no more work, nothing logged
			}
			size, err := addDelta(deltas, m, module)
			if err != nil {
				s.log.Warn("runtime deltas: no delta from an earlier module", "from", m.Version, "err", err)
				continue
			}
			from := m.Version
			if m == own {
				from = "unchanged"
			}
			sizes = append(sizes, fmt.Sprintf("%s:%d", from, size))
		}
		if s.closed.Err() != nil {
			return
		}
		s.log.Info("runtime deltas ready: a browser that has one of these modules downloads its delta instead of the whole module",
			"runtime", version, "module_bytes", len(module), "module_brotli_bytes", len(compressed),
			"earlier", len(earlier), "deltas", deltas.Len(), "delta_bytes", strings.Join(sizes, " "),
			"took", time.Since(start).Round(time.Millisecond).String())
	}()
}

// moduleFiles returns the runtime's module in files and its brotli copy
// (made here, quickly, when files has none).
func moduleFiles(files fs.FS) (module, compressed []byte, err error) {
	if module, err = fs.ReadFile(files, "roost.wasm"); err != nil {
		return nil, nil, err
	}
	if compressed, err = fs.ReadFile(files, "roost.wasm.br"); err == nil {
		return module, compressed, nil
	}
	var b bytes.Buffer
	w := brotli.NewWriterLevel(&b, 6)
	if _, err := w.Write(module); err != nil {
		return nil, nil, err
	}
	if err := w.Close(); err != nil {
		return nil, nil, err
	}
	return module, b.Bytes(), nil
}

// addDelta adds to deltas the delta from the earlier module m to module,
// and returns its size.
func addDelta(deltas *assets.Deltas, m *server.Module, module []byte) (int, error) {
	earlier, err := io.ReadAll(brotli.NewReader(bytes.NewReader(m.Brotli)))
	if err != nil {
		return 0, fmt.Errorf("decompress it: %w", err)
	}
	if sha256.Sum256(earlier) != m.SHA256 {
		return 0, fmt.Errorf("its bytes do not have the SHA-256 remembered")
	}
	return deltas.Add(earlier, module)
}
