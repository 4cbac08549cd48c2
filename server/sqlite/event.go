package sqlite

import (
	"context"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/internal/storecols"
)

// UpdateEvents runs fn in one write transaction; see server.Store.
func (db *DB) UpdateEvents(ctx context.Context, personID string, fn func(tx server.EventTx) error) error {
	return db.update(ctx, func(ctx context.Context, tx *txn) error {
		return fn(&eventTx{ctx: ctx, tx: tx, personID: personID, now: db.Now})
	})
}

// eventTx is server.EventTx over a write transaction of personID's events.
type eventTx struct {
	ctx      context.Context
	tx       *txn
	personID string
	now      func() time.Time
}

// AppliedEvents implements server.EventTx.
func (t *eventTx) AppliedEvents(ids []string) (map[string]bool, error) {
	applied := map[string]bool{}
	if len(ids) == 0 {
		return applied, nil
	}
	list, err := storecols.EncodeJSON(ids)
	if err != nil {
		return nil, err
	}
	rows, err := t.tx.QueryContext(t.ctx, `
		SELECT id FROM events WHERE person_id = ? AND id IN (SELECT value FROM json_each(?))`, t.personID, list)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		applied[id] = true
	}
	return applied, rows.Err()
}

// FindPerson implements server.EventTx.
func (t *eventTx) FindPerson(id string) (*server.Person, error) {
	return findPerson(t.ctx, t.tx, `id = ?`, id)
}

// SavePerson implements server.EventTx.
func (t *eventTx) SavePerson(p *server.Person) error {
	return savePerson(t.ctx, t.tx, p, storecols.Millis(t.now()))
}

// FindDelivery implements server.EventTx.
func (t *eventTx) FindDelivery(id string) (*server.Delivery, error) {
	return findDelivery(t.ctx, t.tx, id)
}

// SaveDelivery implements server.EventTx.
func (t *eventTx) SaveDelivery(d *server.Delivery) error {
	return saveDelivery(t.ctx, t.tx, d)
}

// RecordEvent implements server.EventTx.
func (t *eventTx) RecordEvent(e inbox.Event, deliveryID string, at, now time.Time) error {
	_, err := t.tx.ExecContext(t.ctx, `
		INSERT INTO events (id, delivery_id, person_id, type, action, at, applied_at)
		VALUES (?, NULLIF(?, ''), ?, ?, ?, ?, ?)`,
		e.ID, deliveryID, t.personID, e.Type, e.Action, storecols.Millis(at), storecols.Millis(now))
	return err
}

// dropEventIDsPart is the most event ids one write transaction of
// DropEventIDs deletes, so that others' writes go in between.
const dropEventIDsPart = 5000

// DropEventIDs implements server.Store.
func (db *DB) DropEventIDs(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		var n int64
		err := db.update(ctx, func(ctx context.Context, tx *txn) error {
			res, err := tx.ExecContext(ctx, `
				DELETE FROM events WHERE rowid IN
					(SELECT rowid FROM events WHERE applied_at < ? LIMIT ?)`, storecols.Millis(before), dropEventIDsPart)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		total += int(n)
		if err != nil || n < dropEventIDsPart {
			return total, err
		}
	}
}
