package server

import (
	"context"
	"slices"
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

// ApplyEvents applies the events personID's browser reported, in order
// and in write transactions of at most eventsPerWrite events, and returns
// one answer per event in order: "" when it is acknowledged, else why it
// is rejected (ValidateEvent, RejectEvent, RejectIdentify, or the person's
// attributes limit). An event whose id was applied before is acknowledged
// and changes nothing; an applied event's id is recorded in the same
// transaction as its change.
// More than MaxEventsPerBatch events are EINVALID; a batch over the
// person's budget (EventsPerSecond, EventsBurst) is ERATELIMIT.
//
// What one transaction writes is bounded whatever the events: the person
// once (at most MaxPersonAttributesJSON of attributes, however many
// identify events), each delivery it changes once, and a row per applied
// event. One person's calls run one at a time, so a person posting from
// many connections has at most one part of a batch in any commit.
func (s *Server) ApplyEvents(ctx context.Context, personID string, events []inbox.Event) ([]string, error) {
	if err := CheckEventsBatch(len(events)); err != nil {
		return nil, err
	}
	if err := ValidatePersonID(personID); err != nil {
		return nil, err
	}
	if ok, wait := s.eventBudget.take(personID, len(events), s.Now()); !ok {
		return nil, overEventsBudget(wait)
	}
	reasons, now := make([]string, len(events)), s.Now()
	// sizes are those of identify events' attributes, measured before the
	// store's writer is taken (attributeSizes.merge).
	sizes := make([]map[string]int, len(events))
	valid := 0
	for i, e := range events {
		if reasons[i] = ValidateEvent(e); reasons[i] != "" {
			continue
		}
		if e.AtMs > 0 && now.Sub(time.UnixMilli(e.AtMs)) > EventIDRetention {
			reasons[i] = RejectTooOld
			continue
		}
		if e.Type == inbox.EventIdentify {
			var err error
			if sizes[i], err = entrySizes(e.Attributes); err != nil {
				reasons[i] = err.Error() // ValidateEvent encoded them: never happens
				continue
			}
		}
		valid++
	}
	if valid > 0 {
		if err := s.applyInParts(ctx, personID, events, sizes, reasons); err != nil {
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

// CheckEventsBudget returns ERATELIMIT when personID has no events left
// in their budget (EventsPerSecond, EventsBurst), as ApplyEvents would:
// the HTTP layer asks before it reads a batch, so that a person posting
// over the budget does not cost the server the reading of every batch.
func (s *Server) CheckEventsBudget(personID string) error {
	if ok, wait := s.eventBudget.check(personID, s.Now()); !ok {
		return overEventsBudget(wait)
	}
	return nil
}

// overEventsBudget is the ERATELIMIT error of a batch over the person's
// events budget, which has room again after wait.
func overEventsBudget(wait time.Duration) error {
	return RateLimited(wait, "too many events from this person: at most %d a second on average, %d at once; "+
		"nothing of this batch was applied: send it again in %d s", EventsPerSecond, EventsBurst)
}

// eventsPerWrite is the most events one write transaction of the store
// applies: a batch is applied in parts of this many, each committed before
// the next, so that the store's one writer serves other people's writes
// between them and none waits for more than a part.
const eventsPerWrite = 100

// applyInParts applies events as applyEvents does, eventsPerWrite at a
// time and in order, holding personID's lock throughout. A part committed
// stays committed if a later one fails: the browser sends the batch again,
// and its applied events are acknowledged without changing anything.
func (s *Server) applyInParts(ctx context.Context, personID string, events []inbox.Event, sizes []map[string]int, reasons []string) error {
	unlock, err := s.eventLocks.lock(ctx, personID)
	if err != nil {
		return err
	}
	defer unlock()
	for from := 0; from < len(events); from += eventsPerWrite {
		to := min(from+eventsPerWrite, len(events))
		if !slices.Contains(reasons[from:to], "") {
			continue // all invalid
		}
		now := s.Now()
		err := s.store.UpdateEvents(ctx, personID, func(tx EventTx) error {
			return applyEvents(tx, personID, events[from:to], sizes[from:to], reasons[from:to], now)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// applyEvents applies, in tx, each event of personID whose reason is still
// "", and sets the reason of those the rules reject; sizes are the
// entrySizes of identify events' attributes. The person and each delivery
// are read once and written once at the end, if changed.
func applyEvents(tx EventTx, personID string, events []inbox.Event, sizes []map[string]int, reasons []string, now time.Time) error {
	loaded := map[string]*Delivery{}
	var touched []*Delivery
	before := map[*Delivery]deliveryMarks{}
	var person *personChanges
	var ids []string
	for i, e := range events {
		if reasons[i] == "" {
			ids = append(ids, e.ID)
		}
	}
	applied, err := tx.AppliedEvents(ids)
	if err != nil {
		return err
	}
	for i, e := range events {
		if reasons[i] != "" || applied[e.ID] {
			continue
		}
		if e.Type == inbox.EventIdentify {
			if person == nil {
				var err error
				if person, err = loadPerson(tx, personID); err != nil {
					return err
				}
			}
			if reasons[i], err = person.identify(e, sizes[i]); err != nil {
				return err
			} else if reasons[i] == "" {
				if err := tx.RecordEvent(e, "", EventTime(e, time.Time{}, now), now); err != nil {
					return err
				}
				applied[e.ID] = true // the same id again in the batch changes nothing
			}
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
				touched = append(touched, d)
				before[d] = marksOf(d)
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
		applied[e.ID] = true
	}
	if person != nil && person.changed {
		if err := tx.SavePerson(person.p); err != nil {
			return err
		}
	}
	for _, d := range touched {
		if marksOf(d) == before[d] {
			continue // nothing of it changed: a click past the limit, an event repeated
		}
		if err := tx.SaveDelivery(d); err != nil {
			return err
		}
	}
	return nil
}

// deliveryMarks is what events change of a delivery, to tell whether they did.
type deliveryMarks struct {
	opened, delivered, deleted, dismissed, dropped bool
	openedAt                                       time.Time
	clicks                                         int
}

// marksOf returns the marks of d.
func marksOf(d *Delivery) deliveryMarks {
	return deliveryMarks{opened: d.Opened, delivered: d.Delivered, deleted: d.Deleted, dismissed: d.Dismissed,
		dropped: d.Content == nil && d.Data == nil, openedAt: d.OpenedAt, clicks: len(d.Clicks)}
}

// personChanges is the person of a batch of events as its identify events
// change it, saved once at the end of the batch.
type personChanges struct {
	p       *Person
	sizes   *attributeSizes
	changed bool
}

// loadPerson reads personID in tx, or starts a new person when there is none.
func loadPerson(tx EventTx, personID string) (*personChanges, error) {
	p, err := tx.FindPerson(personID)
	if ErrorCode(err) == ENOTFOUND {
		p, err = &Person{ID: personID, Attributes: map[string]any{}}, nil
	}
	if err != nil {
		return nil, err
	}
	sizes, err := sizeAttributes(p.Attributes)
	if err != nil {
		return nil, err
	}
	return &personChanges{p: p, sizes: sizes}, nil
}

// identify merges the attributes of the identify event e, whose
// entrySizes are sizes, into the person's, or returns why it is rejected
// (RejectIdentify, or the attributes limit), changing nothing. An applied
// one marks the person changed (an unknown person is created by it).
func (c *personChanges) identify(e inbox.Event, sizes map[string]int) (string, error) {
	if reason := RejectIdentify(e, c.p); reason != "" {
		return reason, nil
	}
	reason, err := c.sizes.merge(c.p, e.Attributes, sizes)
	if err == nil && reason == "" {
		c.changed = true
	}
	return reason, err
}
