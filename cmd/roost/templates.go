package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/sqlite"
)

// templates imports or exports the templates of a database, in the seed
// file format ({"templates": [...], "people": [...]}).
func templates(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("templates", "templates [-db FILE] import|export FILE\n\n"+
		"import: every template of FILE is created or replaced (by id), after the checks the API makes;\n"+
		"        every person of FILE is created if missing. FILE - reads standard input.\n"+
		"export: writes every template to FILE (- for standard output), in the form import reads.\n"+
		"The database may be in use by a running server: templates change no cached poll answer.", stderr)
	db := fs.String("db", envOr(env, "ROOST_DB", "roost.db"), "the database: a SQLite file (env ROOST_DB)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 || (fs.Arg(0) != "import" && fs.Arg(0) != "export") {
		fs.Usage()
		return errors.New("say import FILE or export FILE")
	}
	if _, err := os.Stat(*db); err != nil && fs.Arg(0) == "export" {
		return fmt.Errorf("-db %s: %w", *db, err)
	}
	store, err := sqlite.Open(*db)
	if err != nil {
		return err
	}
	defer store.Close()
	if fs.Arg(0) == "export" {
		return exportTemplates(ctx, store, fs.Arg(1), stdout)
	}
	n, people, err := importTemplates(ctx, store, fs.Arg(1))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d templates and %d people (those missing created) into %s\n", n, people, *db)
	return nil
}

// importTemplates applies the seed file at path (- for stdin) to store.
func importTemplates(ctx context.Context, store server.Store, path string) (int, int, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return 0, 0, err
	}
	seed, err := server.ParseSeed(data)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %s", path, server.ErrorMessage(err))
	}
	for i := range seed.Templates {
		if err := store.UpsertTemplate(ctx, &seed.Templates[i]); err != nil {
			return i, 0, fmt.Errorf("%s: template %d: %s", path, seed.Templates[i].ID, server.ErrorMessage(err))
		}
	}
	for i := range seed.People {
		if _, err := store.CreatePersonIfMissing(ctx, &seed.People[i]); err != nil {
			return len(seed.Templates), i, fmt.Errorf("%s: person %s: %s", path, server.Quote(seed.People[i].ID), server.ErrorMessage(err))
		}
	}
	return len(seed.Templates), len(seed.People), nil
}

// exportTemplates writes every template of store to path (- for stdout).
func exportTemplates(ctx context.Context, store server.Store, path string, stdout io.Writer) error {
	ts, err := store.ListTemplates(ctx)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(map[string]any{"templates": ts}, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "-" {
		_, err = stdout.Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// envOr returns the variable name, or def when it is unset.
func envOr(env func(string) string, name, def string) string {
	if v := env(name); v != "" {
		return v
	}
	return def
}
