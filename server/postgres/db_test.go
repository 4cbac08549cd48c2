package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/internal/pgtest"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/internal/storecols"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// openDB opens the database at url, closed at the test's cleanup.
func openDB(t *testing.T, url string) *DB {
	t.Helper()
	db, err := Open(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// testNow is the tests' clock.
var testNow = time.UnixMilli(1_800_000_000_123).UTC()

// newDelivery returns a queued inbox delivery of personID, visible from
// testNow for a day.
func newDelivery(id, personID string) *server.Delivery {
	return &server.Delivery{ID: id, PersonID: personID, TemplateID: 1, ContentID: 1, Channel: inbox.ChannelInbox,
		Content: []byte(`{"title":"hi"}`), QueuedAt: testNow, SendAt: testNow, ExpiresAt: testNow.Add(24 * time.Hour)}
}

func TestAnswerVersion_AcrossTwoDBs(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	a, b := openDB(t, url), openDB(t, url)
	seen := map[int64]bool{}
	// changed checks that personID's version, read through both DBs, is a
	// new one, and equals the one FindQueue reports with the queue.
	changed := func(what string) int64 {
		t.Helper()
		va, err := a.AnswerVersion(ctx, "p1")
		require.NoError(t, err)
		vb, err := b.AnswerVersion(ctx, "p1")
		require.NoError(t, err)
		require.Equal(t, va, vb, what)
		require.NotZero(t, va, what)
		require.False(t, seen[va], "%s: version %d was taken before", what, va)
		seen[va] = true
		q, err := b.FindQueue(ctx, "p1", testNow)
		require.NoError(t, err)
		require.Equal(t, va, q.Version, "%s: FindQueue's version", what)
		return va
	}

	v, err := a.AnswerVersion(ctx, "p1")
	require.NoError(t, err)
	assert.Zero(t, v, "unknown person")
	q, err := a.FindQueue(ctx, "p1", testNow)
	require.NoError(t, err)
	assert.Nil(t, q.Person)
	assert.Zero(t, q.Version)

	_, err = a.CreatePersonIfMissing(ctx, &server.Person{ID: "p1"})
	require.NoError(t, err)
	changed("created")
	_, err = b.CreatePersonIfMissing(ctx, &server.Person{ID: "p1"})
	require.NoError(t, err)
	v1, err := a.AnswerVersion(ctx, "p1")
	require.NoError(t, err)
	assert.True(t, seen[v1], "an existing person is not written again")

	require.NoError(t, b.CreateDelivery(ctx, newDelivery("dlv_1", "p1")))
	changed("delivery created through the other DB")
	_, err = a.UpdatePerson(ctx, "p1", func(p *server.Person) error { p.Attributes["name"] = "Ann"; return nil })
	require.NoError(t, err)
	changed("attributes")
	_, err = b.UpdateDelivery(ctx, "dlv_1", func(d *server.Delivery) error { d.Opened = true; return nil })
	require.NoError(t, err)
	changed("delivery updated")
	require.NoError(t, a.UpdateEvents(ctx, "p1", func(tx server.EventTx) error {
		d, err := tx.FindDelivery("dlv_1")
		if err != nil {
			return err
		}
		d.Deleted = true
		return tx.SaveDelivery(d)
	}))
	changed("event")
	q, err = a.FindQueue(ctx, "p1", testNow)
	require.NoError(t, err)
	assert.Empty(t, q.Deliveries, "deleted")

	before, err := a.AnswerVersion(ctx, "p1")
	require.NoError(t, err)
	_, err = a.UpdatePerson(ctx, "p1", func(p *server.Person) error { return server.Errorf(server.EINVALID, "no") })
	require.Error(t, err)
	after, err := a.AnswerVersion(ctx, "p1")
	require.NoError(t, err)
	assert.Equal(t, before, after, "a write that fails changes nothing")

	d := newDelivery("dlv_draft", "p1")
	d.Draft = true
	require.NoError(t, a.CreateDelivery(ctx, d))
	changed("draft created")
	require.NoError(t, b.DeleteDraft(ctx, "dlv_draft"))
	changed("draft deleted")
}

func TestExclusive_AcrossTwoDBs(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	a, b := openDB(t, url), openDB(t, url)
	ran, err := a.Exclusive(ctx, "maintain", func(ctx context.Context) error {
		ran, err := b.Exclusive(ctx, "maintain", func(context.Context) error {
			t.Error("ran while held by the other DB")
			return nil
		})
		require.NoError(t, err)
		assert.False(t, ran, "held elsewhere")
		ran, err = a.Exclusive(ctx, "maintain", func(context.Context) error {
			t.Error("ran while held by the same DB")
			return nil
		})
		require.NoError(t, err)
		assert.False(t, ran, "held by this DB too")
		ran, err = b.Exclusive(ctx, "other work", func(context.Context) error { return nil })
		require.NoError(t, err)
		assert.True(t, ran, "another name is another lock")
		// a person's lock is another key space: it does not wait
		return b.UpdateEvents(ctx, "maintain", func(server.EventTx) error { return nil })
	})
	require.NoError(t, err)
	assert.True(t, ran)

	errFn := fmt.Errorf("fn failed")
	ran, err = b.Exclusive(ctx, "maintain", func(context.Context) error { return errFn })
	assert.True(t, ran, "released when fn returned")
	assert.ErrorIs(t, err, errFn)
	ran, err = a.Exclusive(ctx, "maintain", func(context.Context) error { return nil })
	require.NoError(t, err)
	assert.True(t, ran, "released after an error")
}

func TestExclusive_EndsWithItsSession(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	a := openDB(t, url)
	// a session that holds the lock and dies, as a killed process's would
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	var got bool
	require.NoError(t, conn.QueryRow(ctx, fmt.Sprintf(`SELECT pg_try_advisory_lock(%d, hashtext('maintain'))`, lockSpaceExclusive)).Scan(&got))
	require.True(t, got)
	ran, err := a.Exclusive(ctx, "maintain", func(context.Context) error { return nil })
	require.NoError(t, err)
	assert.False(t, ran, "held by the other session")
	require.NoError(t, conn.Close(ctx))
	require.Eventually(t, func() bool {
		ran, err := a.Exclusive(ctx, "maintain", func(context.Context) error { return nil })
		return err == nil && ran
	}, 10*time.Second, 10*time.Millisecond, "free once the session ended")
}

func TestUpdateEvents_OnceAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	dbs := []*DB{openDB(t, url), openDB(t, url)}
	_, err := dbs[0].CreatePersonIfMissing(ctx, &server.Person{ID: "p1"})
	require.NoError(t, err)
	d := newDelivery("dlv_1", "p1")
	d.Channel = inbox.ChannelInApp
	require.NoError(t, dbs[0].CreateDelivery(ctx, d))

	const tries = 16
	var mu sync.Mutex
	applied, claimed := 0, 0
	var wg sync.WaitGroup
	for i := range tries {
		db := dbs[i%2]
		wg.Go(func() {
			err := db.UpdateEvents(ctx, "p1", func(tx server.EventTx) error {
				done, err := tx.AppliedEvents([]string{"ev1"})
				if err != nil || done["ev1"] {
					return err
				}
				d, err := tx.FindDelivery("dlv_1")
				if err != nil {
					return err
				}
				if !d.Delivered { // an in-app claim
					d.Delivered = true
					mu.Lock()
					claimed++
					mu.Unlock()
				}
				mu.Lock()
				applied++
				mu.Unlock()
				if err := tx.SaveDelivery(d); err != nil {
					return err
				}
				return tx.RecordEvent(inbox.Event{ID: "ev1", Type: inbox.EventDelivered}, "dlv_1", testNow, testNow)
			})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, 1, applied, "the event applied once")
	assert.Equal(t, 1, claimed, "one claim won")
}

func TestUpdateDelivery_NoLostUpdatesAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	dbs := []*DB{openDB(t, url), openDB(t, url)}
	_, err := dbs[0].CreatePersonIfMissing(ctx, &server.Person{ID: "p1"})
	require.NoError(t, err)
	require.NoError(t, dbs[0].CreateDelivery(ctx, newDelivery("dlv_1", "p1")))
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := dbs[i%2].UpdateDelivery(ctx, "dlv_1", func(d *server.Delivery) error {
				d.Clicks = append(d.Clicks, fmt.Sprint(i))
				return nil
			})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	d, err := dbs[1].FindDelivery(ctx, "dlv_1")
	require.NoError(t, err)
	assert.Len(t, d.Clicks, n, "every update read the one before it")
}

func TestCreateTemplate_ZeroIDsAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	dbs := []*DB{openDB(t, url), openDB(t, url)}
	const n = 10
	ids := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			tpl := &server.Template{Name: "T", TriggerName: fmt.Sprintf("t%d", i), Channel: inbox.ChannelInbox,
				Contents: []server.Content{{ID: 1, Body: []byte(`{"title":"x"}`)}}}
			assert.NoError(t, dbs[i%2].CreateTemplate(ctx, tpl))
			ids[i] = tpl.ID
		})
	}
	wg.Wait()
	assert.ElementsMatch(t, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, ids, "each its own id")

	tpl := &server.Template{Name: "T", TriggerName: "T3", Channel: inbox.ChannelInbox,
		Contents: []server.Content{{ID: 1, Body: []byte(`{"title":"x"}`)}}}
	err := dbs[0].CreateTemplate(ctx, tpl)
	assert.Equal(t, server.ECONFLICT, server.ErrorCode(err), "trigger names compare by TriggerKey")
}

func TestDropFinishedContent_InParts(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, pgtest.NewDatabase(t))
	defer func(n int) { contentPart = n }(contentPart)
	contentPart = 3
	versions := map[string]int64{}
	want := map[string]bool{}
	for p := range 4 {
		personID := fmt.Sprintf("p%d", p)
		_, err := db.CreatePersonIfMissing(ctx, &server.Person{ID: personID})
		require.NoError(t, err)
		for i := range 3 {
			d := newDelivery(fmt.Sprintf("dlv_%d_%d", p, i), personID)
			d.DisableRetention = i != 2 // the third keeps its content
			d.Data = map[string]any{"k": "v"}
			d.Deleted = true // finished
			if p == 3 {
				d.Deleted = false // still queued
			}
			require.NoError(t, db.CreateDelivery(ctx, d))
			want[d.ID] = d.DisableRetention && d.Deleted
		}
		versions[personID], _ = db.AnswerVersion(ctx, personID)
	}
	n, err := db.DropFinishedContent(ctx, testNow.Add(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, 6, n)
	for id, dropped := range want {
		d, err := db.FindDelivery(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, dropped, d.Content == nil && d.Data == nil, id)
	}
	for personID, v := range versions {
		now, err := db.AnswerVersion(ctx, personID)
		require.NoError(t, err)
		assert.Equal(t, personID != "p3", now != v, "%s: a new version with each change", personID)
	}
	n, err = db.DropFinishedContent(ctx, testNow.Add(time.Minute))
	require.NoError(t, err)
	assert.Zero(t, n, "nothing left")
}

func TestDropEventIDs_InParts(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, pgtest.NewDatabase(t))
	defer func(n int) { dropPart = n }(dropPart)
	dropPart = 4
	_, err := db.CreatePersonIfMissing(ctx, &server.Person{ID: "p1"})
	require.NoError(t, err)
	require.NoError(t, db.UpdateEvents(ctx, "p1", func(tx server.EventTx) error {
		for i := range 10 {
			at := testNow.Add(time.Duration(i) * time.Second)
			if err := tx.RecordEvent(inbox.Event{ID: fmt.Sprint("e", i), Type: inbox.EventIdentify}, "", at, at); err != nil {
				return err
			}
		}
		return nil
	}))
	n, err := db.DropEventIDs(ctx, testNow.Add(9*time.Second))
	require.NoError(t, err)
	assert.Equal(t, 9, n)
	require.NoError(t, db.UpdateEvents(ctx, "p1", func(tx server.EventTx) error {
		applied, err := tx.AppliedEvents([]string{"e0", "e8", "e9"})
		assert.Equal(t, map[string]bool{"e9": true}, applied)
		return err
	}))
}

func TestFindQueue_OneIndexRange(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, pgtest.NewDatabase(t))
	_, err := db.pool.Exec(ctx, `
		INSERT INTO people (id, created_at, updated_at) SELECT 'p' || i, 0, 0 FROM generate_series(1, 500) i;
		INSERT INTO deliveries (id, person_id, template_id, channel, content, queued_at, send_at, expires_at)
			SELECT 'dlv_' || i, 'p' || (i % 500 + 1), 1, 'inbox', '{}', i, i, i + 1000 FROM generate_series(1, 20000) i;
		ANALYZE`)
	require.NoError(t, err)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`SELECT ` + storecols.DeliverySelect + ` FROM deliveries WHERE person_id = $2 AND ` + queuedAt + ` ORDER BY send_at, id`,
			[]any{int64(1), "p1"}},
		{`SELECT MAX(send_at) FILTER (WHERE send_at <= $2), MIN(send_at) FILTER (WHERE send_at > $2)
			FROM deliveries WHERE person_id = $1 AND NOT draft AND suppressed = ''`, []any{"p1", int64(1)}},
	} {
		rows, err := db.pool.Query(ctx, `EXPLAIN `+q.sql, q.args...)
		require.NoError(t, err)
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		plan := strings.Join(lines, "\n")
		assert.Contains(t, plan, "deliveries_poll", "the poll reads the index")
		assert.Regexp(t, `Index Cond: \(\(?person_id = `, plan, "one range of it: the person's")
		assert.NotContains(t, plan, "Seq Scan", plan)
	}
}

// TestFindQueue_VersionMatchesSnapshot: while another DB adds deliveries,
// every queue read with one version has the same deliveries: the version
// comes from the snapshot the queue was read from.
func TestFindQueue_VersionMatchesSnapshot(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	reader, writer := openDB(t, url), openDB(t, url)
	_, err := writer.CreatePersonIfMissing(ctx, &server.Person{ID: "p1"})
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 40 {
			assert.NoError(t, writer.CreateDelivery(ctx, newDelivery(fmt.Sprintf("dlv_%03d", i), "p1")))
		}
	}()
	seen := map[int64]int{}
	for reading := true; reading; {
		select {
		case <-done:
			reading = false // one more read, after the last write
		default:
		}
		q, err := reader.FindQueue(ctx, "p1", testNow)
		require.NoError(t, err)
		if n, ok := seen[q.Version]; ok {
			require.Equal(t, n, len(q.Deliveries), "version %d read with two different queues", q.Version)
		}
		seen[q.Version] = len(q.Deliveries)
	}
	v, err := reader.AnswerVersion(ctx, "p1")
	require.NoError(t, err)
	assert.Equal(t, 40, seen[v], "the last version read has every delivery")
	assert.Greater(t, len(seen), 1, "the reads saw several versions")
}
