package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
)

func TestRestart(t *testing.T) {
	f := newFixture(t)
	id := f.send("inbox_message", seedSend)
	postEvents(t, f, "user_123", ev("e1", id, "opened"))
	require.NoError(t, f.db.Close())

	f.open()
	require.NoError(t, server.LoadSeed(context.Background(), f.db, seedPath), "seed loads again on restart")
	msgs := f.poll("user_123").Messages
	require.Len(t, msgs, 1)
	assert.Equal(t, id, msgs[0].DeliveryID)
	assert.True(t, msgs[0].Opened)
	assert.Equal(t, []string{"e1"}, postEvents(t, f, "user_123", ev("e1", id, "unopened")).Acknowledged)
	assert.True(t, f.poll("user_123").Messages[0].Opened, "the event id is remembered across restarts")
}

func TestRestart_ScheduledDraftsTemplates(t *testing.T) {
	f := newFixture(t)
	at := fixtureStart.Add(time.Hour).Unix()
	scheduled := f.send("inbox_message", sendWith(`"send_at":`+strconv.FormatInt(at, 10)))
	draft := f.send("inbox_message", sendWith(`"queue_draft":true`))
	putTemplate(t, f, 30, `{"name":"Made over HTTP","trigger_name":"made_over_http","channel":"in_app","content":{"title":"hi"}}`)
	require.Equal(t, http.StatusOK, f.app(http.MethodPut, "/v1/people/user_123", `{"unsubscribed":true}`).Code)
	require.NoError(t, f.db.Close())

	f.open()
	require.NoError(t, server.LoadSeed(context.Background(), f.db, seedPath))
	assert.Equal(t, "scheduled", getDelivery(t, f, scheduled)["status"])
	assert.Equal(t, "draft", getDelivery(t, f, draft)["status"])
	assert.Equal(t, http.StatusOK, f.app(http.MethodGet, "/v1/transactional/30", "").Code, "templates made over HTTP survive; the seed does not remove them")
	assert.Contains(t, f.app(http.MethodGet, "/v1/people/user_123", "").Body.String(), `"unsubscribed":true`, "the seed does not reset people")
	f.clock.Add(time.Hour)
	msgs := f.poll("user_123").Messages
	require.Len(t, msgs, 1)
	assert.Equal(t, scheduled, msgs[0].DeliveryID)
}

func TestConcurrentClients(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 { // require may not stop the test from here: assert only
				w := f.app(http.MethodPost, "/v1/send/inbox_message", seedSend)
				var resp struct {
					DeliveryID string `json:"delivery_id"`
				}
				if !assert.Equal(t, http.StatusOK, w.Code, w.Body.String()) || !assert.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp)) {
					return
				}
				w = f.client(http.MethodPost, "/v1/client/events", "user_123", events(ev(resp.DeliveryID+"-open", resp.DeliveryID, "opened")))
				assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
				w = f.client(http.MethodGet, "/v1/client/poll", "user_123", "")
				assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
			}
		})
	}
	wg.Wait()
	msgs := f.poll("user_123").Messages
	assert.Len(t, msgs, 80)
	for _, m := range msgs {
		assert.True(t, m.Opened)
	}
}

// TestKill9 checks that a send and an event acknowledged by a process that
// is then killed with SIGKILL are in the database when it is opened again.
func TestKill9(t *testing.T) {
	const env = "ROOST_TEST_KILL9_DB"
	if path := os.Getenv(env); path != "" { // the child: acknowledge, then wait to be killed
		f := newFixtureAt(t, path)
		id := f.send("inbox_message", seedSend)
		postEvents(t, f, "user_123", ev("e1", id, "opened"))
		fmt.Println("acked", id)
		_, _ = io.Copy(io.Discard, os.Stdin) // blocks until killed
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "roost.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill9$")
	cmd.Env = append(os.Environ(), env+"="+path)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var id string
	for sc := bufio.NewScanner(stdout); sc.Scan(); {
		if rest, ok := strings.CutPrefix(sc.Text(), "acked "); ok {
			id = rest
			break
		}
	}
	require.NoError(t, cmd.Process.Kill()) // SIGKILL: no deferred Close runs
	_ = cmd.Wait()
	require.NotEmpty(t, id, "the child acknowledged a send")

	f := newFixtureAt(t, path)
	msgs := f.poll("user_123").Messages
	require.Len(t, msgs, 1)
	assert.Equal(t, id, msgs[0].DeliveryID)
	assert.True(t, msgs[0].Opened)
}
