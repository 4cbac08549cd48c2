package server

import (
	"context"
	"time"

	"github.com/roostmsg/roost/inbox"
)

// Store keeps templates, people, deliveries and applied events. The SQLite
// store in server/sqlite implements it; another database can too. Every
// method is safe for concurrent use, and a nil error from a method that
// writes means the change is durable.
type Store interface {
	// UpsertTemplate creates t or replaces the template with t's id.
	// Returns EINVALID if t fails Validate, ECONFLICT if another template
	// has the same trigger name (compared by TriggerKey).
	UpsertTemplate(ctx context.Context, t *Template) error
	// SeedTemplate upserts t as UpsertTemplate does, unless t is what the
	// seed file said when it last applied a template with t's id (compared
	// by source, the file's text of it): then it keeps the stored template,
	// which may have been edited over HTTP since. Reports whether it wrote t.
	SeedTemplate(ctx context.Context, t *Template, source string) (bool, error)
	// CreateTemplate stores a new template; a zero t.ID is set to one more
	// than the highest id in use. Returns EINVALID if t then fails
	// Validate, ECONFLICT if its id or trigger name is taken.
	CreateTemplate(ctx context.Context, t *Template) error
	// UpdateTemplate runs fn on the template with id and stores the result,
	// in one transaction, and returns it. Returns ENOTFOUND for an unknown
	// id, fn's error, or UpsertTemplate's errors; fn must not change the id.
	UpdateTemplate(ctx context.Context, id int, fn func(t *Template) error) (*Template, error)
	// DeleteTemplate removes the template with id (deliveries made from it
	// keep their copy), or returns ENOTFOUND.
	DeleteTemplate(ctx context.Context, id int) error
	// ListTemplates returns every template, by id.
	ListTemplates(ctx context.Context) ([]*Template, error)
	// FindTemplateByID returns the template with id, or ENOTFOUND.
	FindTemplateByID(ctx context.Context, id int) (*Template, error)
	// FindTemplateByTrigger returns the template whose trigger name has the
	// TriggerKey of name, or ENOTFOUND.
	FindTemplateByTrigger(ctx context.Context, name string) (*Template, error)

	// FindPerson returns the person with id, or ENOTFOUND.
	FindPerson(ctx context.Context, id string) (*Person, error)
	// FindPersonByEmail returns the oldest person whose email attribute has
	// the EmailKey of email, or ENOTFOUND.
	FindPersonByEmail(ctx context.Context, email string) (*Person, error)
	// CreatePersonIfMissing stores p unless a person with p.ID exists, and
	// returns the stored person (p or the existing one, unchanged).
	// Returns EINVALID if p fails Validate.
	CreatePersonIfMissing(ctx context.Context, p *Person) (*Person, error)
	// UpdatePerson runs fn on the person with id, or on a new person with
	// id and no attributes when there is none, and stores the result in one
	// transaction, and returns it. Returns EINVALID for an invalid id, or
	// fn's error (nothing is stored then); fn must not change the id.
	UpdatePerson(ctx context.Context, id string, fn func(p *Person) error) (*Person, error)

	// CreateDelivery stores d. Its person must exist (EINVALID otherwise).
	CreateDelivery(ctx context.Context, d *Delivery) error
	// FindDelivery returns the delivery with id, or ENOTFOUND.
	FindDelivery(ctx context.Context, id string) (*Delivery, error)
	// FindQueue returns what a poll by personID at now sees, read in one
	// consistent snapshot. An unknown person gets a Queue with a nil Person.
	FindQueue(ctx context.Context, personID string, now time.Time) (*Queue, error)
	// CountQueued returns how many deliveries, of everyone, are queued at
	// now (Delivery.Queued): what polls would return.
	CountQueued(ctx context.Context, now time.Time) (int, error)
	// ListDrafts returns the drafts of personID, or of everyone when
	// personID is "", oldest first, at most limit of them.
	ListDrafts(ctx context.Context, personID string, limit int) ([]*Delivery, error)
	// UpdateDelivery runs fn on the delivery with id and stores what fn
	// may change of it (its times: QueuedAt, SendAt, ExpiresAt; Draft; the
	// browser's state: Opened, OpenedAt, Delivered, Deleted, Dismissed,
	// Clicks; its content and data, once dropped), in one transaction, and
	// returns it. The rest of a delivery never changes once created.
	// Returns ENOTFOUND for an unknown id, or fn's error.
	UpdateDelivery(ctx context.Context, id string, fn func(d *Delivery) error) (*Delivery, error)
	// DeleteDraft removes the draft with id. Returns ENOTFOUND for an
	// unknown id, ECONFLICT if the delivery is not a draft.
	DeleteDraft(ctx context.Context, id string) error
	// DropFinishedContent clears the content and data of every delivery
	// with retention disabled that is finished at now (Delivery.Finished)
	// and returns how many it cleared.
	DropFinishedContent(ctx context.Context, now time.Time) (int, error)
	// DropEventIDs forgets the ids of events applied before before (a
	// resend of one of them is then a new event) and returns how many.
	DropEventIDs(ctx context.Context, before time.Time) (int, error)

	// UpdateEvents runs fn in one write transaction in which personID's
	// events are applied, and commits it if fn returns nil; nothing of it
	// is stored otherwise. The rules are the server's (Server.ApplyEvents):
	// the store only reads and writes through tx.
	UpdateEvents(ctx context.Context, personID string, fn func(tx EventTx) error) error

	// Ping returns nil when the store can be read, else why not.
	Ping(ctx context.Context) error
}

// Queue is what a person's poll sees.
type Queue struct {
	// Person is the polling person, nil if unknown.
	Person *Person
	// Deliveries are those for which Delivery.Queued(now) holds, oldest
	// first (by SendAt, when each became visible, then ID).
	Deliveries []*Delivery
	// LastQueuedAt is when the person's newest visible delivery of any
	// state became visible (its SendAt); zero if there was none.
	LastQueuedAt time.Time
	// NextSendAt is when the person's earliest scheduled delivery becomes
	// visible; zero if there is none.
	NextSendAt time.Time
	// Version is the person's answer version in the snapshot the queue was
	// read from (SharedStore.AnswerVersion); 0 from a store that is not shared.
	Version int64
}

// SharedStore is a Store that several server processes use at once (the
// PostgreSQL store). A Server on one checks each cached poll answer against
// the person's answer version before serving it, and runs its background
// work (Server.MaintainOnce) in one process at a time.
type SharedStore interface {
	Store
	// AnswerVersion returns personID's answer version: a number that
	// changes, in the same transaction, with every write that can change
	// the person's poll answer (the person's attributes, any of their
	// deliveries), and never takes a value it had before; 0 for an unknown
	// person. It is one indexed read.
	AnswerVersion(ctx context.Context, personID string) (int64, error)
	// Exclusive runs fn unless fn of the same name is running on the same
	// database (in any process), and reports whether it ran. The exclusion
	// ends when fn returns or its process dies.
	Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (ran bool, err error)
	// ClaimRound claims a round of the background work name: it records
	// the claim and returns true, unless a round of name was claimed less
	// than every ago (by the database's clock), by any process; every 0
	// always claims. Call it inside Exclusive(name), so that claims do not race.
	ClaimRound(ctx context.Context, name string, every time.Duration) (bool, error)
}

// EventTx is the part of a write transaction that applying one person's
// events uses (Store.UpdateEvents). Its reads see its own writes. It
// writes only that person's rows (their person, their deliveries): a
// store may refuse a write of another's, which the person's lock (taken
// for the transaction) does not cover.
type EventTx interface {
	// AppliedEvents returns which of ids name an event of the person that
	// was applied before (one query for a batch, not one per event).
	AppliedEvents(ids []string) (map[string]bool, error)
	// FindPerson returns the person with id, or ENOTFOUND.
	FindPerson(id string) (*Person, error)
	// SavePerson creates p or replaces its attributes.
	SavePerson(p *Person) error
	// FindDelivery returns the delivery with id, or ENOTFOUND.
	FindDelivery(id string) (*Delivery, error)
	// SaveDelivery stores what events change of d (its state and, once
	// dropped, its content).
	SaveDelivery(d *Delivery) error
	// RecordEvent records that the person's event e, about the delivery
	// with deliveryID ("" for none), happened at at and was applied at now,
	// so that AppliedEvents reports e.ID from then on.
	RecordEvent(e inbox.Event, deliveryID string, at, now time.Time) error
}
