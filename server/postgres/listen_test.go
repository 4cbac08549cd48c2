package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/internal/pgtest"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/postgres"
)

// waitChanged waits for a notification of st, failing the test after 10 s.
func waitChanged(t *testing.T, st *server.Stream, why string) {
	t.Helper()
	select {
	case <-st.Changed():
	case <-time.After(10 * time.Second):
		require.FailNow(t, "the stream was not told: "+why)
	}
}

// TestListenAnswers_OtherProcess: a send through one process (Server A,
// its own pool) reaches a stream held by another (Server B), through
// LISTEN/NOTIFY; when B's listening connection is killed, B reconnects
// and every stream of B checks its answer again, and later sends still
// reach it.
func TestListenAnswers_OtherProcess(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	dbA, dbB := openPostgres(t, url), openPostgres(t, url)
	require.NoError(t, server.LoadSeed(ctx, dbA, "../../example-site/seed.json"))
	a, b := server.New(server.Config{}, dbA), server.New(server.Config{}, dbB)

	st, err := b.OpenStream("user_123")
	require.NoError(t, err)
	defer st.Close()
	first, changed, err := st.Answer(ctx, "")
	require.NoError(t, err)
	require.True(t, changed)
	listenCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); b.ListenShared(listenCtx) }()
	t.Cleanup(func() { stop(); <-done })
	waitChanged(t, st, "a check once listening")

	_, err = a.Send(ctx, server.SendRequest{Channel: inbox.ChannelInbox, TemplateName: "order_shipped",
		IdentifierKind: server.IdentifierID, Identifier: "user_123", Data: map[string]any{"order_id": "ORD-1"}})
	require.NoError(t, err)
	waitChanged(t, st, "A's send")
	ans, changed, err := st.Answer(ctx, first.ETag)
	require.NoError(t, err)
	assert.True(t, changed, "B's stream sees A's send")
	assert.Contains(t, string(ans.Body), "ORD-1")

	// Kill B's listening connection: it reconnects and every stream checks.
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var killed int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE query = 'LISTEN `+postgres.AnswersChannel+`' AND pid <> pg_backend_pid()`).Scan(&killed))
	require.Equal(t, 1, killed, "B's listener was found")
	waitChanged(t, st, "a check after reconnecting")

	_, err = a.Send(ctx, server.SendRequest{Channel: inbox.ChannelInbox, TemplateName: "order_shipped",
		IdentifierKind: server.IdentifierID, Identifier: "user_123", Data: map[string]any{"order_id": "ORD-2"}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		select {
		case <-st.Changed():
			ans, _, err := st.Answer(ctx, ans.ETag)
			return err == nil && strings.Contains(string(ans.Body), "ORD-2")
		default:
			return false
		}
	}, 10*time.Second, 5*time.Millisecond, "A's send after the reconnection reaches B's stream")
}
