package server

import (
	"context"
	"time"
)

// invalidatingStore is the Store as a Server sees it: every write that
// can change a poll answer invalidates the cached answers it may change
// (when there is a poll cache), before it starts and again after it
// returns (committed or not). The second invalidation is the one
// correctness rests on (see pollCache); the first one only keeps an
// answer read before the write from being served while it runs. With the
// second, the person's open streams are told (streamHub.notify), so that
// they send the new answer; with or without a poll cache.
//
// It implements every method itself, not by embedding Store, so that a
// method added to Store has to say here what it invalidates.
//
// A poll answer is made of the person (their attributes) and their
// deliveries (each with its own copy of the template content), so template
// writes change no answer and invalidate nothing.
type invalidatingStore struct {
	store   Store
	polls   *pollCache
	streams *streamHub
}

// forPerson runs write between two invalidations of personID's answer.
func (s *invalidatingStore) forPerson(personID string, write func() error) error {
	s.polls.invalidate(personID)
	defer s.invalidated(personID)
	return write()
}

// invalidated invalidates personID's answer after a write, and tells
// their streams.
func (s *invalidatingStore) invalidated(personID string) {
	s.polls.invalidate(personID)
	s.streams.notify(personID)
}

// UpsertTemplate writes a template: no answer changes.
func (s *invalidatingStore) UpsertTemplate(ctx context.Context, t *Template) error {
	return s.store.UpsertTemplate(ctx, t)
}

// SeedTemplate writes a template: no answer changes.
func (s *invalidatingStore) SeedTemplate(ctx context.Context, t *Template, source string) (bool, error) {
	return s.store.SeedTemplate(ctx, t, source)
}

// CreateTemplate writes a template: no answer changes.
func (s *invalidatingStore) CreateTemplate(ctx context.Context, t *Template) error {
	return s.store.CreateTemplate(ctx, t)
}

// UpdateTemplate writes a template: no answer changes.
func (s *invalidatingStore) UpdateTemplate(ctx context.Context, id int, fn func(t *Template) error) (*Template, error) {
	return s.store.UpdateTemplate(ctx, id, fn)
}

// DeleteTemplate writes a template: no answer changes.
func (s *invalidatingStore) DeleteTemplate(ctx context.Context, id int) error {
	return s.store.DeleteTemplate(ctx, id)
}

// ListTemplates only reads.
func (s *invalidatingStore) ListTemplates(ctx context.Context) ([]*Template, error) {
	return s.store.ListTemplates(ctx)
}

// FindTemplateByID only reads.
func (s *invalidatingStore) FindTemplateByID(ctx context.Context, id int) (*Template, error) {
	return s.store.FindTemplateByID(ctx, id)
}

// FindTemplateByTrigger only reads.
func (s *invalidatingStore) FindTemplateByTrigger(ctx context.Context, name string) (*Template, error) {
	return s.store.FindTemplateByTrigger(ctx, name)
}

// FindPerson only reads.
func (s *invalidatingStore) FindPerson(ctx context.Context, id string) (*Person, error) {
	return s.store.FindPerson(ctx, id)
}

// FindPersonByEmail only reads.
func (s *invalidatingStore) FindPersonByEmail(ctx context.Context, email string) (*Person, error) {
	return s.store.FindPersonByEmail(ctx, email)
}

// CreatePersonIfMissing invalidates p.ID: a created person's attributes
// are in their answer (though with no deliveries yet, nothing shows them).
func (s *invalidatingStore) CreatePersonIfMissing(ctx context.Context, p *Person) (stored *Person, err error) {
	err = s.forPerson(p.ID, func() error {
		stored, err = s.store.CreatePersonIfMissing(ctx, p)
		return err
	})
	return stored, err
}

// UpdatePerson invalidates id: its attributes are every message's customer.
func (s *invalidatingStore) UpdatePerson(ctx context.Context, id string, fn func(p *Person) error) (p *Person, err error) {
	err = s.forPerson(id, func() error {
		p, err = s.store.UpdatePerson(ctx, id, fn)
		return err
	})
	return p, err
}

// CreateDelivery invalidates the delivery's person.
func (s *invalidatingStore) CreateDelivery(ctx context.Context, d *Delivery) error {
	return s.forPerson(d.PersonID, func() error { return s.store.CreateDelivery(ctx, d) })
}

// FindDelivery only reads.
func (s *invalidatingStore) FindDelivery(ctx context.Context, id string) (*Delivery, error) {
	return s.store.FindDelivery(ctx, id)
}

// FindQueue only reads.
func (s *invalidatingStore) FindQueue(ctx context.Context, personID string, now time.Time) (*Queue, error) {
	return s.store.FindQueue(ctx, personID, now)
}

// CountQueued only reads.
func (s *invalidatingStore) CountQueued(ctx context.Context, now time.Time) (int, error) {
	return s.store.CountQueued(ctx, now)
}

// ListDrafts only reads.
func (s *invalidatingStore) ListDrafts(ctx context.Context, personID string, limit int) ([]*Delivery, error) {
	return s.store.ListDrafts(ctx, personID, limit)
}

// UpdateDelivery invalidates the delivery's person, which fn sees (inside
// the write, so that is the first invalidation) when the delivery exists.
func (s *invalidatingStore) UpdateDelivery(ctx context.Context, id string, fn func(d *Delivery) error) (*Delivery, error) {
	var personID string
	d, err := s.store.UpdateDelivery(ctx, id, func(d *Delivery) error {
		personID = d.PersonID
		s.polls.invalidate(personID)
		return fn(d)
	})
	if personID != "" {
		s.invalidated(personID)
	}
	return d, err
}

// DeleteDraft invalidates the draft's person (a delivery's person never
// changes, so it is read first), or everyone if the draft could not be
// read but was deleted. A draft is in no answer; this is a safeguard
// (so streams are not told of the latter).
func (s *invalidatingStore) DeleteDraft(ctx context.Context, id string) error {
	d, err := s.store.FindDelivery(ctx, id)
	if err != nil {
		err = s.store.DeleteDraft(ctx, id)
		if ErrorCode(err) != ENOTFOUND {
			s.polls.invalidateAll()
		}
		return err
	}
	return s.forPerson(d.PersonID, func() error { return s.store.DeleteDraft(ctx, id) })
}

// DropFinishedContent invalidates everyone when it may have cleared
// something. A finished delivery is in no answer that holds from then on,
// so this too is a safeguard; streams are not told (every stream would
// read its answer again, for nothing).
func (s *invalidatingStore) DropFinishedContent(ctx context.Context, now time.Time) (int, error) {
	n, err := s.store.DropFinishedContent(ctx, now)
	if n > 0 || err != nil {
		s.polls.invalidateAll()
	}
	return n, err
}

// DropEventIDs changes no poll answer.
func (s *invalidatingStore) DropEventIDs(ctx context.Context, before time.Time) (int, error) {
	return s.store.DropEventIDs(ctx, before)
}

// UpdateEvents invalidates personID: events change only their deliveries
// and, for identify, their attributes.
func (s *invalidatingStore) UpdateEvents(ctx context.Context, personID string, fn func(tx EventTx) error) error {
	return s.forPerson(personID, func() error { return s.store.UpdateEvents(ctx, personID, fn) })
}

// Ping only reads.
func (s *invalidatingStore) Ping(ctx context.Context) error {
	return s.store.Ping(ctx)
}
