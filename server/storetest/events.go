package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// applied returns which of ids are applied events of personID, read in a
// transaction of their own; it holds only the true ones.
func (e *env) applied(personID string, ids ...string) map[string]bool {
	e.t.Helper()
	var got map[string]bool
	require.NoError(e.t, e.store.UpdateEvents(e.ctx, personID, func(tx server.EventTx) error {
		var err error
		got, err = tx.AppliedEvents(ids)
		return err
	}))
	for id, ok := range got {
		if !ok {
			delete(got, id)
		}
	}
	return got
}

// testEventTx checks UpdateEvents and the EventTx it gives.
func testEventTx(t *testing.T, h Harness) {
	t.Run("RecordAndApplied", func(t *testing.T) {
		e := open(t, h)
		d := e.mustCreate(newDelivery("dlv_1", "p1", inbox.ChannelInbox, t0))
		// fn may run on another goroutine: it reports failures with assert
		// and returns errors, never require (FailNow would stop that goroutine).
		require.NoError(t, e.store.UpdateEvents(e.ctx, "p1", func(tx server.EventTx) error {
			got, err := tx.AppliedEvents(nil)
			if err != nil {
				return err
			}
			assert.Empty(t, got, "no ids")
			if got, err = tx.AppliedEvents([]string{"e1", "e2"}); err != nil {
				return err
			}
			assert.False(t, got["e1"] || got["e2"], "nothing applied yet")
			if err := tx.RecordEvent(event("e1", inbox.EventOpened, d.ID, t0), d.ID, t0, t0); err != nil {
				return err
			}
			if err := tx.RecordEvent(identify("e2", t0, "plan", "pro"), "", t0, t0); err != nil {
				return err
			}
			if got, err = tx.AppliedEvents([]string{"e1", "e2", "e3"}); err != nil {
				return err
			}
			assert.True(t, got["e1"] && got["e2"], "reads see the transaction's own writes")
			assert.False(t, got["e3"])
			return nil
		}))
		assert.Equal(t, map[string]bool{"e1": true, "e2": true}, e.applied("p1", "e1", "e2", "e3"), "committed")
	})

	t.Run("PerPerson", func(t *testing.T) {
		e := open(t, h)
		d1 := e.mustCreate(newDelivery("dlv_1", "p1", inbox.ChannelInbox, t0))
		d2 := e.mustCreate(newDelivery("dlv_2", "p2", inbox.ChannelInbox, t0))
		require.NoError(t, e.store.UpdateEvents(e.ctx, "p1", func(tx server.EventTx) error {
			return tx.RecordEvent(event("same", inbox.EventOpened, d1.ID, t0), d1.ID, t0, t0)
		}))
		assert.Empty(t, e.applied("p2", "same"), "another person's event id is not theirs")
		require.NoError(t, e.store.UpdateEvents(e.ctx, "p2", func(tx server.EventTx) error {
			return tx.RecordEvent(event("same", inbox.EventOpened, d2.ID, t0), d2.ID, t0, t0)
		}), "two people may use the same event id")
		assert.Equal(t, map[string]bool{"same": true}, e.applied("p2", "same"))
		assert.Equal(t, map[string]bool{"same": true}, e.applied("p1", "same"))
	})

	t.Run("ManyIDs", func(t *testing.T) {
		e := open(t, h)
		d := e.mustCreate(newDelivery("dlv_1", "p1", inbox.ChannelInbox, t0))
		var all []string
		want := map[string]bool{}
		require.NoError(t, e.store.UpdateEvents(e.ctx, "p1", func(tx server.EventTx) error {
			for i := range server.MaxEventsPerBatch {
				id := fmt.Sprintf("event-%03d", i)
				all = append(all, id)
				if i%2 == 0 {
					want[id] = true
					if err := tx.RecordEvent(event(id, inbox.EventClicked, d.ID, t0), d.ID, t0, t0); err != nil {
						return err
					}
				}
			}
			return nil
		}))
		assert.Equal(t, want, e.applied("p1", all...), "a batch's ids in one call")
	})

	t.Run("Writes", func(t *testing.T) {
		e := open(t, h)
		d := e.mustCreate(newDelivery("dlv_1", "p1", inbox.ChannelInbox, t0))
		// fn writes only the rows of the person whose events it applies, as
		// the server's rules do: a store may refuse to write another's.
		require.NoError(t, e.store.UpdateEvents(e.ctx, "p1", func(tx server.EventTx) error {
			_, err := tx.FindDelivery("dlv_none")
			assert.Equal(t, server.ENOTFOUND, server.ErrorCode(err), "an unknown delivery: %v", err)
			p, err := tx.FindPerson("p1")
			if err != nil {
				return err
			}
			p.Attributes["plan"] = "pro"
			if err := tx.SavePerson(p); err != nil {
				return err
			}
			if p, err = tx.FindPerson("p1"); err != nil {
				return err
			}
			assertAttributes(t, map[string]any{"plan": "pro"}, p, "reads see the transaction's own writes")

			dd, err := tx.FindDelivery(d.ID)
			if err != nil {
				return err
			}
			assertSameDelivery(t, d, dd)
			dd.Opened, dd.OpenedAt, dd.Delivered, dd.Deleted, dd.Dismissed = true, t0.Add(time.Second), true, true, true
			dd.Clicks, dd.Content, dd.Data = []string{"x", "y"}, nil, nil
			if err := tx.SaveDelivery(dd); err != nil {
				return err
			}
			again, err := tx.FindDelivery(d.ID)
			if err != nil {
				return err
			}
			assertSameDelivery(t, dd, again, "reads see the transaction's own writes")
			d = dd
			return nil
		}))
		assertAttributes(t, map[string]any{"plan": "pro"}, e.mustPerson("p1"))
		got := e.mustFind("dlv_1")
		assertSameDelivery(t, d, got, "SaveDelivery stores state and dropped content")
		assert.Nil(t, got.Content)
	})

	t.Run("SavePersonCreates", func(t *testing.T) {
		e := open(t, h)
		require.NoError(t, e.store.UpdateEvents(e.ctx, "p9", func(tx server.EventTx) error {
			_, err := tx.FindPerson("p9")
			assert.Equal(t, server.ENOTFOUND, server.ErrorCode(err), "an unknown person: %v", err)
			if err := tx.SavePerson(newPerson("p9", "new", true)); err != nil {
				return err
			}
			p, err := tx.FindPerson("p9")
			if err != nil {
				return err
			}
			assertAttributes(t, map[string]any{"new": true}, p, "reads see the transaction's own writes")
			return nil
		}))
		assertAttributes(t, map[string]any{"new": true}, e.mustPerson("p9"))

		mine := errors.New("mine")
		err := e.store.UpdateEvents(e.ctx, "p8", func(tx server.EventTx) error {
			if err := tx.SavePerson(newPerson("p8")); err != nil {
				return err
			}
			return mine
		})
		assert.ErrorIs(t, err, mine)
		_, err = e.store.FindPerson(e.ctx, "p8")
		requireCode(t, server.ENOTFOUND, err, "fn's error creates no one")
	})

	t.Run("ErrorStoresNothing", func(t *testing.T) {
		e := open(t, h)
		d := e.mustCreate(newDelivery("dlv_1", "p1", inbox.ChannelInbox, t0))
		for _, fail := range []error{errors.New("mine"), server.Errorf(server.EINVALID, "no")} {
			err := e.store.UpdateEvents(e.ctx, "p1", func(tx server.EventTx) error {
				p, err := tx.FindPerson("p1")
				if err != nil {
					return err
				}
				p.Attributes["plan"] = "lost"
				dd, err := tx.FindDelivery(d.ID)
				if err != nil {
					return err
				}
				dd.Opened, dd.Clicks = true, []string{"lost"}
				for _, err := range []error{tx.SavePerson(p), tx.SaveDelivery(dd),
					tx.RecordEvent(event("e1", inbox.EventOpened, d.ID, t0), d.ID, t0, t0)} {
					if err != nil {
						return err
					}
				}
				return fail
			})
			assert.ErrorIs(t, err, fail)
			assert.Equal(t, server.ErrorCode(fail), server.ErrorCode(err), "fn's error keeps its code")
		}
		assertAttributes(t, map[string]any{}, e.mustPerson("p1"), "nothing is stored")
		assertSameDelivery(t, d, e.mustFind("dlv_1"))
		assert.Empty(t, e.applied("p1", "e1"))
	})
}
