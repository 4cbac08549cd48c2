package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// ApplyEvents applies personID's events in one transaction; see server.Store.
func (db *DB) ApplyEvents(ctx context.Context, personID string, events []inbox.Event, now time.Time) ([]string, error) {
	reasons := make([]string, len(events))
	err := db.update(ctx, func(ctx context.Context, tx *txn) error {
		loaded := map[string]*server.Delivery{}
		var changed []*server.Delivery
		for i, e := range events {
			applied, err := eventApplied(ctx, tx, personID, e.ID)
			if err != nil {
				return err
			} else if applied {
				continue
			}
			if e.Type == inbox.EventIdentify {
				if reasons[i], err = identify(ctx, tx, personID, e, now); err != nil {
					return err
				}
				continue
			}
			d, ok := loaded[e.DeliveryID]
			if !ok {
				d, err = findDelivery(ctx, tx, e.DeliveryID)
				if server.ErrorCode(err) == server.ENOTFOUND {
					d, err = nil, nil
				} else if err != nil {
					return err
				}
				loaded[e.DeliveryID] = d
				if d != nil && d.PersonID == personID {
					changed = append(changed, d)
				}
			}
			if reasons[i] = server.RejectEvent(e, d, personID, now); reasons[i] != "" {
				continue
			}
			at := server.EventTime(e, d.SendAt, now)
			d.Apply(e, at)
			d.DropContentIfDone(now)
			if err := recordEvent(ctx, tx, personID, e, d.ID, at, now); err != nil {
				return err
			}
		}
		for _, d := range changed {
			if err := saveDelivery(ctx, tx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return reasons, nil
}

// eventApplied reports whether personID's event with id was applied before.
func eventApplied(ctx context.Context, tx *txn, personID, id string) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM events WHERE person_id = ? AND id = ?`, personID, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// identify merges the attributes of the identify event e into those of
// personID, creating the person if needed, and records e; or returns why
// it is rejected (server.RejectIdentify), changing nothing.
func identify(ctx context.Context, tx *txn, personID string, e inbox.Event, now time.Time) (string, error) {
	if err := server.ValidatePersonID(personID); err != nil {
		return "", err
	}
	p, err := findPerson(ctx, tx, `id = ?`, personID)
	if server.ErrorCode(err) == server.ENOTFOUND {
		p, err = &server.Person{ID: personID}, nil
	}
	if err != nil {
		return "", err
	}
	if reason := server.RejectIdentify(e, p); reason != "" {
		return reason, nil
	}
	p.Attributes = server.MergeAttributes(p.Attributes, e.Attributes)
	if err := savePerson(ctx, tx, p, millis(now)); err != nil {
		return "", err
	}
	return "", recordEvent(ctx, tx, personID, e, "", server.EventTime(e, time.Time{}, now), now)
}

// recordEvent records that personID's event e, about the delivery with
// deliveryID ("" for none), happened at at and was applied at now.
func recordEvent(ctx context.Context, tx *txn, personID string, e inbox.Event, deliveryID string, at, now time.Time) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO events (id, delivery_id, person_id, type, action, at, applied_at)
		VALUES (?, NULLIF(?, ''), ?, ?, ?, ?, ?)`,
		e.ID, deliveryID, personID, e.Type, e.Action, millis(at), millis(now))
	return err
}
