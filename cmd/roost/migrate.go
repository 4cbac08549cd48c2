package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/roostmsg/roost/server/postgres"
	"github.com/roostmsg/roost/server/service"
	"github.com/roostmsg/roost/server/sqlite"
)

// movedTables are the tables migrate copies, in an order that keeps every
// foreign key satisfied.
var movedTables = []string{"templates", "seeded_templates", "people", "deliveries", "events"}

// migrate copies a SQLite database into an empty PostgreSQL one.
func migrate(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "migrate [-from FILE] -to postgres://URL\n\n"+
		"Copies everything of the SQLite database FILE (templates, people, messages and their state, the ids of\n"+
		"applied events) into the PostgreSQL database at URL, which must hold no Roost data yet, in one\n"+
		"transaction: all of it or nothing. Stop the roost serving FILE first, so that nothing is written to it\n"+
		"during the copy; then start roost with -db URL.", stderr)
	from := fs.String("from", envOr(env, "ROOST_DB", "roost.db"), "the SQLite database file to copy (env ROOST_DB)")
	to := fs.String("to", "", "the PostgreSQL database to copy it into: a postgres:// URL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		fs.Usage()
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	case !service.IsPostgres(*to):
		fs.Usage()
		return errors.New("-to must be a postgres:// URL")
	case service.IsPostgres(*from):
		return errors.New("-from must be a SQLite file (without -from, it is ROOST_DB's value, here a PostgreSQL URL)")
	}
	if _, err := os.Stat(*from); err != nil {
		return fmt.Errorf("-from %s: %w", *from, err)
	}
	release, err := service.LockSQLite(*from)
	if err != nil {
		return fmt.Errorf("%w; stop it before migrating, so that no write is left behind", err)
	}
	defer release()
	counts, err := copySQLiteToPostgres(ctx, *from, service.PostgresURL(*to))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "copied %s into %s: %s\n", *from, service.ShowDB(*to), counts)
	return nil
}

// copySQLiteToPostgres copies the tables of the SQLite file from into the
// PostgreSQL database to, after migrating both to this roost's schema,
// and returns how many rows of each table it copied.
func copySQLiteToPostgres(ctx context.Context, from, to string) (string, error) {
	lite, err := sqlite.Open(from) // applies its migrations: the columns are this roost's
	if err != nil {
		return "", fmt.Errorf("-from %s: %w", from, err)
	}
	if err := lite.Close(); err != nil {
		return "", fmt.Errorf("-from %s: %w", from, err)
	}
	pg, err := postgres.Open(ctx, to)
	if err != nil {
		return "", fmt.Errorf("-to %s: %w", service.ShowDB(to), err)
	}
	pg.Close()

	src, err := sql.Open("sqlite", "file:"+(&url.URL{Path: from}).EscapedPath()+"?mode=ro")
	if err != nil {
		return "", err
	}
	defer src.Close()
	conn, err := pgx.Connect(ctx, to)
	if err != nil {
		return "", fmt.Errorf("-to %s: %w", service.ShowDB(to), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.Begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	for _, table := range movedTables {
		var used bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+`)`).Scan(&used); err != nil {
			return "", err
		}
		if used {
			return "", fmt.Errorf("-to %s already holds Roost data (its %s table has rows): copy into an empty database", service.ShowDB(to), table)
		}
	}
	var counts []string
	for _, table := range movedTables {
		n, err := copyTable(ctx, src, tx, table)
		if err != nil {
			return "", fmt.Errorf("copying %s: %w", table, err)
		}
		counts = append(counts, fmt.Sprintf("%d %s", n, strings.ReplaceAll(table, "_", " ")))
	}
	if err := tx.Commit(ctx); err != nil {
		return "", err
	}
	return strings.Join(counts, ", "), nil
}

// copyTable copies the rows of table from src into tx, column by column as
// PostgreSQL names them (people's answer version takes its default), and
// returns how many it copied. SQLite's 0/1 integers become booleans.
func copyTable(ctx context.Context, src *sql.DB, tx pgx.Tx, table string) (int64, error) {
	rows, err := tx.Query(ctx, `
		SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		return 0, err
	}
	var cols []string
	var boolean []bool
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return 0, err
		}
		if table == "people" && name == "version" {
			continue
		}
		cols = append(cols, name)
		boolean = append(boolean, typ == "boolean")
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	from, err := src.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table)
	if err != nil {
		return 0, err
	}
	defer from.Close()
	values := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range values {
		ptrs[i] = &values[i]
	}
	return tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		if !from.Next() {
			return nil, from.Err()
		}
		if err := from.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]any, len(values))
		for i, v := range values {
			if n, ok := v.(int64); ok && boolean[i] {
				row[i] = n != 0
			} else {
				row[i] = v
			}
		}
		return row, nil
	}))
}
