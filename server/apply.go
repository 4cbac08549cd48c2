package server

import (
	"context"
	"time"

	"github.com/roostmsg/roost/inbox"
)

// CheckEventsBatch returns EINVALID when n events are more than one batch
// may carry (MaxEventsPerBatch).
func CheckEventsBatch(n int) error {
	if n > MaxEventsPerBatch {
		return Errorf(EINVALID, "too many events: %d (at most %d per request)", n, MaxEventsPerBatch)
	}
	return nil
}

// ApplyEvents applies the events personID's browser reported, all in one
// transaction and in order, and returns one answer per event in order: ""
// when it is acknowledged, else why it is rejected (ValidateEvent,
// RejectEvent, RejectIdentify). An event whose id was applied before is
// acknowledged and changes nothing; an applied event's id is recorded in
// the same transaction as its change. More than MaxEventsPerBatch events
// are EINVALID.
func (s *Server) ApplyEvents(ctx context.Context, personID string, events []inbox.Event) ([]string, error) {
	if err := CheckEventsBatch(len(events)); err != nil {
		return nil, err
	}
	if err := ValidatePersonID(personID); err != nil {
		return nil, err
	}
	reasons := make([]string, len(events))
	valid := 0
	for i, e := range events {
		if reasons[i] = ValidateEvent(e); reasons[i] == "" {
			valid++
		}
	}
	if valid > 0 {
		now := s.Now()
		err := s.store.UpdateEvents(ctx, personID, func(tx EventTx) error {
			return applyEvents(tx, personID, events, reasons, now)
		})
		if err != nil {
			return nil, err
		}
	}
	for _, r := range reasons {
		if r == "" {
			s.stats.eventsApplied.Add(1)
		} else {
			s.stats.eventsRejd.Add(1)
		}
	}
	return reasons, nil
}

// applyEvents applies, in tx, each event of personID whose reason is still
// "", and sets the reason of those the rules reject.
func applyEvents(tx EventTx, personID string, events []inbox.Event, reasons []string, now time.Time) error {
	loaded := map[string]*Delivery{}
	var changed []*Delivery
	for i, e := range events {
		if reasons[i] != "" {
			continue
		}
		if applied, err := tx.EventApplied(e.ID); err != nil {
			return err
		} else if applied {
			continue
		}
		if e.Type == inbox.EventIdentify {
			reason, err := identify(tx, personID, e, now)
			if err != nil {
				return err
			}
			reasons[i] = reason
			continue
		}
		d, ok := loaded[e.DeliveryID]
		if !ok {
			var err error
			d, err = tx.FindDelivery(e.DeliveryID)
			if ErrorCode(err) == ENOTFOUND {
				d, err = nil, nil
			} else if err != nil {
				return err
			}
			loaded[e.DeliveryID] = d
			if d != nil && d.PersonID == personID {
				changed = append(changed, d)
			}
		}
		if reasons[i] = RejectEvent(e, d, personID, now); reasons[i] != "" {
			continue
		}
		at := EventTime(e, d.SendAt, now)
		d.Apply(e, at)
		d.DropContentIfDone(now)
		if err := tx.RecordEvent(e, d.ID, at, now); err != nil {
			return err
		}
	}
	for _, d := range changed {
		if err := tx.SaveDelivery(d); err != nil {
			return err
		}
	}
	return nil
}

// identify merges the attributes of the identify event e into those of
// personID, creating the person if needed, and records e; or returns why
// it is rejected (RejectIdentify), changing nothing.
func identify(tx EventTx, personID string, e inbox.Event, now time.Time) (string, error) {
	p, err := tx.FindPerson(personID)
	if ErrorCode(err) == ENOTFOUND {
		p, err = &Person{ID: personID}, nil
	}
	if err != nil {
		return "", err
	}
	if reason := RejectIdentify(e, p); reason != "" {
		return reason, nil
	}
	p.Attributes = MergeAttributes(p.Attributes, e.Attributes)
	if err := tx.SavePerson(p); err != nil {
		return "", err
	}
	return "", tx.RecordEvent(e, "", EventTime(e, time.Time{}, now), now)
}
