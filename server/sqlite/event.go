package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
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

// EventApplied implements server.EventTx.
func (t *eventTx) EventApplied(id string) (bool, error) {
	var one int
	err := t.tx.QueryRowContext(t.ctx, `SELECT 1 FROM events WHERE person_id = ? AND id = ?`, t.personID, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// FindPerson implements server.EventTx.
func (t *eventTx) FindPerson(id string) (*server.Person, error) {
	return findPerson(t.ctx, t.tx, `id = ?`, id)
}

// SavePerson implements server.EventTx.
func (t *eventTx) SavePerson(p *server.Person) error {
	return savePerson(t.ctx, t.tx, p, millis(t.now()))
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
		e.ID, deliveryID, t.personID, e.Type, e.Action, millis(at), millis(now))
	return err
}
