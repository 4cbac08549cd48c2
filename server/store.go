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
	// MergePerson sets attrs on the person with id as MergeAttributes does,
	// creating the person if needed, and returns the result.
	// Returns EINVALID for an invalid id.
	MergePerson(ctx context.Context, id string, attrs map[string]any) (*Person, error)

	// CreateDelivery stores d. Its person must exist (EINVALID otherwise).
	CreateDelivery(ctx context.Context, d *Delivery) error
	// FindDelivery returns the delivery with id, or ENOTFOUND.
	FindDelivery(ctx context.Context, id string) (*Delivery, error)
	// FindQueue returns what a poll by personID at now sees, read in one
	// consistent snapshot. An unknown person gets a Queue with a nil Person.
	FindQueue(ctx context.Context, personID string, now time.Time) (*Queue, error)
	// ListDrafts returns the drafts of personID, or of everyone when
	// personID is "", oldest first, at most limit of them.
	ListDrafts(ctx context.Context, personID string, limit int) ([]*Delivery, error)
	// UpdateDelivery runs fn on the delivery with id and stores the result,
	// in one transaction, and returns it. Returns ENOTFOUND for an unknown
	// id, or fn's error.
	UpdateDelivery(ctx context.Context, id string, fn func(d *Delivery) error) (*Delivery, error)
	// DeleteDraft removes the draft with id. Returns ENOTFOUND for an
	// unknown id, ECONFLICT if the delivery is not a draft.
	DeleteDraft(ctx context.Context, id string) error
	// DropFinishedContent clears the content and data of every delivery
	// with retention disabled that is finished at now (Delivery.Finished)
	// and returns how many it cleared.
	DropFinishedContent(ctx context.Context, now time.Time) (int, error)

	// ApplyEvents applies events reported by personID's browser, all in one
	// transaction and in order, and returns one answer per event in order:
	// "" when it is acknowledged, else why it is rejected
	// (RejectUnknownDelivery). An event whose id was applied before is
	// acknowledged and changes nothing; an applied event's id is recorded
	// in the same transaction as its change. Each event must have passed
	// ValidateEvent; each change to a delivery is made with Delivery.Apply
	// at EventTime(e, d.SendAt, now), as RejectEvent allows, followed by
	// Delivery.DropContentIfDone. An identify event is rejected as
	// RejectIdentify says of personID as stored when the event comes to be
	// applied (nil if not stored), and changes nothing then; else it sets
	// its attributes on personID as MergePerson does (and on no one else),
	// creating the person if needed.
	ApplyEvents(ctx context.Context, personID string, events []inbox.Event, now time.Time) ([]string, error)
}

// Queue is what a person's poll sees.
type Queue struct {
	// Person is the polling person, nil if unknown.
	Person *Person
	// Deliveries are those for which Delivery.Queued(now) holds, oldest
	// first (by QueuedAt, then ID).
	Deliveries []*Delivery
	// LastQueuedAt is when the person's newest visible delivery of any
	// state became visible (its SendAt); zero if there was none.
	LastQueuedAt time.Time
	// NextSendAt is when the person's earliest scheduled delivery becomes
	// visible; zero if there is none.
	NextSendAt time.Time
}
