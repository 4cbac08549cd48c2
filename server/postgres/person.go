package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/internal/storecols"
)

// FindPerson returns the person with id, or ENOTFOUND.
func (db *DB) FindPerson(ctx context.Context, id string) (*server.Person, error) {
	p, err := findPerson(ctx, db.pool, `id = $1`, id)
	return p, db.storageError(err)
}

// FindPersonByEmail returns the oldest person whose email attribute matches
// email case-insensitively, or ENOTFOUND.
func (db *DB) FindPersonByEmail(ctx context.Context, email string) (*server.Person, error) {
	key := server.EmailKey(email)
	if key == "" {
		return nil, server.Errorf(server.ENOTFOUND, "person not found")
	}
	p, err := findPerson(ctx, db.pool, `email_key = $1 AND email_key <> '' ORDER BY created_at, id LIMIT 1`, key)
	return p, db.storageError(err)
}

// CreatePersonIfMissing stores p unless a person with its id exists, and
// returns the stored person.
func (db *DB) CreatePersonIfMissing(ctx context.Context, p *server.Person) (*server.Person, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	// Most sends name someone who exists: that costs a read, not a write.
	if existing, err := findPerson(ctx, db.pool, `id = $1`, p.ID); server.ErrorCode(err) != server.ENOTFOUND {
		return existing, db.storageError(err)
	}
	var stored *server.Person
	err := db.update(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockPeople(ctx, tx, p.ID); err != nil {
			return err
		}
		existing, err := findPerson(ctx, tx, `id = $1`, p.ID)
		switch {
		case err == nil:
			stored = existing
			return nil
		case server.ErrorCode(err) != server.ENOTFOUND:
			return err
		}
		stored = server.NewPerson(p.ID, p.Attributes)
		return savePerson(ctx, tx, stored, storecols.Millis(db.Now()))
	})
	if err != nil {
		return nil, err
	}
	return stored, nil
}

// UpdatePerson runs fn on the person with id (a new one with no
// attributes when there is none) and stores the result; see server.Store.
func (db *DB) UpdatePerson(ctx context.Context, id string, fn func(p *server.Person) error) (*server.Person, error) {
	if err := server.ValidatePersonID(id); err != nil {
		return nil, err
	}
	var p *server.Person
	err := db.update(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockPeople(ctx, tx, id); err != nil {
			return err
		}
		var err error
		p, err = findPerson(ctx, tx, `id = $1`, id)
		if server.ErrorCode(err) == server.ENOTFOUND {
			p, err = server.NewPerson(id, nil), nil
		}
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		return savePerson(ctx, tx, p, storecols.Millis(db.Now()))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// findPerson returns the first person matching where, or ENOTFOUND.
func findPerson(ctx context.Context, q querier, where string, arg any) (*server.Person, error) {
	p, _, err := findPersonVersion(ctx, q, where, arg)
	return p, err
}

// findPersonVersion returns the first person matching where and their
// answer version, or ENOTFOUND.
func findPersonVersion(ctx context.Context, q querier, where string, arg any) (*server.Person, int64, error) {
	if s, ok := arg.(string); ok && hasNUL(s) {
		return nil, 0, server.Errorf(server.ENOTFOUND, "person not found")
	}
	return scanPerson(q.QueryRow(ctx, `SELECT id, attributes, version FROM people WHERE `+where, arg))
}

// scanPerson reads a person and their answer version from row (id,
// attributes, version), or returns ENOTFOUND.
func scanPerson(row pgx.Row) (*server.Person, int64, error) {
	p := server.Person{}
	var c storecols.PersonColumns
	var version int64
	err := row.Scan(&p.ID, &c.Attributes, &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, server.Errorf(server.ENOTFOUND, "person not found")
	} else if err != nil {
		return nil, 0, err
	}
	if err := storecols.DecodePerson(c, &p); err != nil {
		return nil, 0, err
	}
	return &p, version, nil
}

// savePerson inserts p or replaces its attributes; the caller holds p's
// lock. Either takes a new answer version (the people_version trigger).
func savePerson(ctx context.Context, tx pgx.Tx, p *server.Person, now int64) error {
	c, err := storecols.EncodePerson(p)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO people (id, attributes, email_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes,
			email_key = excluded.email_key, updated_at = excluded.updated_at`,
		p.ID, c.Attributes, c.EmailKey, now)
	return err
}
