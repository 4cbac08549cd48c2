package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/internal/storecols"
)

// FindPerson returns the person with id, or ENOTFOUND.
func (db *DB) FindPerson(ctx context.Context, id string) (*server.Person, error) {
	return findPerson(ctx, db.readStmts, `id = ?`, id)
}

// FindPersonByEmail returns the oldest person whose email attribute matches
// email case-insensitively, or ENOTFOUND.
func (db *DB) FindPersonByEmail(ctx context.Context, email string) (*server.Person, error) {
	key := server.EmailKey(email)
	if key == "" {
		return nil, server.Errorf(server.ENOTFOUND, "person not found")
	}
	return findPerson(ctx, db.readStmts, `email_key = ? ORDER BY created_at, id LIMIT 1`, key)
}

// CreatePersonIfMissing stores p unless a person with its id exists, and
// returns the stored person.
func (db *DB) CreatePersonIfMissing(ctx context.Context, p *server.Person) (*server.Person, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	// Most sends name someone who exists: that costs a read, not a write.
	if existing, err := findPerson(ctx, db.readStmts, `id = ?`, p.ID); server.ErrorCode(err) != server.ENOTFOUND {
		return existing, err
	}
	var stored *server.Person
	err := db.update(ctx, func(ctx context.Context, tx *txn) error {
		existing, err := findPerson(ctx, tx, `id = ?`, p.ID)
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
	err := db.update(ctx, func(ctx context.Context, tx *txn) error {
		var err error
		p, err = findPerson(ctx, tx, `id = ?`, id)
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
	p := server.Person{}
	var c storecols.PersonColumns
	err := q.QueryRowContext(ctx, `SELECT id, attributes FROM people WHERE `+where, arg).Scan(&p.ID, &c.Attributes)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, server.Errorf(server.ENOTFOUND, "person not found")
	} else if err != nil {
		return nil, err
	}
	if err := storecols.DecodePerson(c, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// savePerson inserts p or replaces its attributes.
func savePerson(ctx context.Context, tx *txn, p *server.Person, now int64) error {
	c, err := storecols.EncodePerson(p)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO people (id, attributes, email_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes,
			email_key = excluded.email_key, updated_at = excluded.updated_at`,
		p.ID, c.Attributes, c.EmailKey, now, now)
	return err
}
