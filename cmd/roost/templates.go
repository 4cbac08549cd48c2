package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/service"
)

// templates imports or exports the templates of a database, in the seed
// file format ({"templates": [...], "people": [...]}).
func templates(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("templates", "templates [-db FILE] import [-replace] [-dry-run] FILE | export FILE\n\n"+
		"import: every template of FILE is created, or replaced (by id) when it differs from the stored one,\n"+
		"        after the checks the API makes; every person of FILE is created if missing. FILE - reads\n"+
		"        standard input. A template of FILE whose id is a template with another trigger_name in the\n"+
		"        database is a conflict: the import writes nothing, unless -replace is given.\n"+
		"export: writes every template to FILE (- for standard output), in the form import reads.\n"+
		"The database may be in use by a running server: templates change no cached poll answer.", stderr)
	db := fs.String("db", envOr(env, "ROOST_DB", "roost.db"), "the database: a SQLite file or a postgres:// URL (env ROOST_DB)")
	replace := fs.Bool("replace", false, "import: replace the templates whose id the database gives another trigger_name")
	dryRun := fs.Bool("dry-run", false, "import: say what the import would do, and write nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	verb := fs.Arg(0)
	if fs.NArg() > 0 { // flags may follow import or export too
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return err
		}
	}
	if fs.NArg() != 1 || (verb != "import" && verb != "export") {
		fs.Usage()
		return errors.New("say import FILE or export FILE")
	}
	if verb == "import" {
		return runImport(ctx, *db, fs.Arg(0), *replace, *dryRun, stdout)
	}
	if _, err := os.Stat(*db); err != nil && !service.IsPostgres(*db) {
		return fmt.Errorf("-db %s: %w", *db, err)
	}
	store, err := service.OpenDatabase(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	return exportTemplates(ctx, store, fs.Arg(0), stdout)
}

// runImport imports the seed file at path (- for stdin) into the database
// file db, as the templates command's usage says, and reports what it did
// (or would do, with dryRun) to stdout.
func runImport(ctx context.Context, db, path string, replace, dryRun bool, stdout io.Writer) error {
	seed, err := readSeed(path)
	if err != nil {
		return err
	}
	_, statErr := os.Stat(db)
	missing := errors.Is(statErr, os.ErrNotExist) && !service.IsPostgres(db)
	var store server.Store // nil: a database that does not exist yet
	if !missing || !dryRun {
		s, err := service.OpenDatabase(ctx, db)
		if err != nil {
			return err
		}
		defer s.Close()
		store = s
		if missing {
			fmt.Fprintf(stdout, "created the database %s\n", db)
		}
	}
	plan, err := planImport(ctx, store, seed)
	if err != nil {
		return err
	}
	if err := plan.refusal(path, db, replace); err != nil {
		return err
	}
	if dryRun {
		if missing {
			fmt.Fprintf(stdout, "-dry-run: the database %s does not exist; the import would create it\n", db)
		}
		fmt.Fprintf(stdout, "-dry-run, nothing written: %s\n", plan)
		return nil
	}
	if err := plan.apply(ctx, store, path); err != nil {
		return err
	}
	fmt.Fprintln(stdout, plan)
	return nil
}

// readSeed reads and checks the seed file at path (- for stdin).
func readSeed(path string) (*server.Seed, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	seed, err := server.ParseSeed(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", path, server.ErrorMessage(err))
	}
	return seed, nil
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
