package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/internal/storecols"
)

// UpdateEvents runs fn in one write transaction that holds personID's
// lock from its start; see server.Store. One person's transactions thus
// run one at a time in every process, and each sees the events of those
// before it: an event retried through another process applies once.
func (db *DB) UpdateEvents(ctx context.Context, personID string, fn func(tx server.EventTx) error) error {
	return db.update(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockPeople(ctx, tx, personID); err != nil {
			return err
		}
		return fn(&eventTx{ctx: ctx, tx: tx, personID: personID, now: db.Now})
	})
}

// eventTx is server.EventTx over a write transaction of personID's events.
type eventTx struct {
	ctx      context.Context
	tx       pgx.Tx
	personID string
	now      func() time.Time
}

// AppliedEvents implements server.EventTx.
func (t *eventTx) AppliedEvents(ids []string) (map[string]bool, error) {
	applied := map[string]bool{}
	ids = slices.DeleteFunc(slices.Clone(ids), hasNUL) // never stored
	if len(ids) == 0 {
		return applied, nil
	}
	rows, err := t.tx.Query(t.ctx, `SELECT id FROM events WHERE person_id = $1 AND id = ANY($2::text[])`, t.personID, ids)
	if err != nil {
		return nil, err
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	for _, id := range found {
		applied[id] = true
	}
	return applied, nil
}

// FindPerson implements server.EventTx.
func (t *eventTx) FindPerson(id string) (*server.Person, error) {
	return findPerson(t.ctx, t.tx, `id = $1`, id)
}

// SavePerson implements server.EventTx.
func (t *eventTx) SavePerson(p *server.Person) error {
	if err := t.mine(p.ID); err != nil {
		return err
	}
	return savePerson(t.ctx, t.tx, p, storecols.Millis(t.now()))
}

// FindDelivery implements server.EventTx.
func (t *eventTx) FindDelivery(id string) (*server.Delivery, error) {
	return findDelivery(t.ctx, t.tx, id, "")
}

// SaveDelivery implements server.EventTx.
func (t *eventTx) SaveDelivery(d *server.Delivery) error {
	if err := t.mine(d.PersonID); err != nil {
		return err
	}
	return saveDelivery(t.ctx, t.tx, d)
}

// mine returns an error unless personID is the person whose lock t holds:
// taking another's now could deadlock (locks are taken first, in order).
// The server's rules write only the person's own rows.
func (t *eventTx) mine(personID string) error {
	if personID != t.personID {
		return fmt.Errorf("postgres: the events of person %q cannot write the rows of person %q", t.personID, personID)
	}
	return nil
}

// RecordEvent implements server.EventTx.
func (t *eventTx) RecordEvent(e inbox.Event, deliveryID string, at, now time.Time) error {
	_, err := t.tx.Exec(t.ctx, `
		INSERT INTO events (id, delivery_id, person_id, type, action, at, applied_at)
		VALUES ($1, NULLIF($2, ''), $3, $4, $5, $6, $7)`,
		e.ID, deliveryID, t.personID, e.Type, e.Action, storecols.Millis(at), storecols.Millis(now))
	return err
}

// dropPart is the most rows one write transaction of DropEventIDs
// deletes, so that others' writes go in between. A variable for tests.
var dropPart = 5000

// DropEventIDs forgets the ids of events applied before before, in parts
// of at most dropPart, oldest first, by the events_applied_at index (then
// a scan of the rows' ids, ctid: events rows are never updated, so a row
// keeps its ctid until it is deleted); see server.Store. It takes no person's lock: it only deletes rows no other
// transaction updates, and an event id is forgotten or not whether it is
// deleted before or after a concurrent UpdateEvents reads it.
func (db *DB) DropEventIDs(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		var n int64
		err := db.update(ctx, func(ctx context.Context, tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `
				DELETE FROM events WHERE ctid = ANY(ARRAY(
					SELECT ctid FROM events WHERE applied_at < $1 ORDER BY applied_at LIMIT $2))`,
				storecols.Millis(before), dropPart)
			n = tag.RowsAffected()
			return err
		})
		total += int(n)
		if err != nil || n < int64(dropPart) {
			return total, err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}
