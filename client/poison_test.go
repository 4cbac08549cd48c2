package client_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/roostmsg/roost/client"
	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/poller"
	"github.com/stretchr/testify/assert"
)

// deepPoison is the message of the issue: its message_data nests 9,998
// deep, so the poll answer holding it nests past encoding/json's limit.
var deepPoison = `{"delivery_id":"deep","channel":"inbox","content":{"title":"x"},"sent_at_ms":1,"trigger":{"d":` +
	strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + `}}`

// withPoison puts the raw message poison first in a poll answer's messages.
func withPoison(res client.Response, poison string) client.Response {
	if res.Status != 200 {
		return res
	}
	body := bytes.Replace(res.Body, []byte(`"messages":[`), []byte(`"messages":[`+poison+`,`), 1)
	body = bytes.Replace(body, []byte(`"messages":null`), []byte(`"messages":[`+poison+`]`), 1)
	res.Body = body
	return res
}

// poisonHost answers polls as the claim server does, with poison first.
type poisonHost struct {
	inAppHost
	poison string
}

func (h poisonHost) Fetch(ctx context.Context, req client.Request) (client.Response, error) {
	res, err := h.inAppHost.Fetch(ctx, req)
	if req.URL == "http://roost.test/v1/client/poll" {
		res = withPoison(res, h.poison)
	}
	return res, err
}

// newPoisonRuntime is newInAppRuntime whose poll answers hold poison first.
func newPoisonRuntime(t *testing.T, poison string, msgs ...inbox.Message) (*client.Runtime, *tabs, *claimServer) {
	t.Helper()
	srv := &claimServer{fakeServer: &fakeServer{messages: msgs, polls: map[string]int{}, eventPost: make(chan struct{}, 1)},
		winner: map[string]string{}, elsewhere: map[string]bool{}}
	h := &tabs{server: srv.fakeServer, inbox: map[int]chan map[string]any{}}
	rt := client.New(poisonHost{inAppHost: inAppHost{tabs: h, srv: srv}, poison: poison}, client.Options{EventRetry: 10 * time.Millisecond,
		Tiers: poller.Tiers{Active: 20 * time.Millisecond, Inactive: 20 * time.Millisecond, Low: 20 * time.Millisecond}})
	stopWhenDone(t, rt, h)
	return rt, h, srv
}

// messageError matches a message-error about delivery id.
func messageError(id string) func(map[string]any) bool {
	return func(m map[string]any) bool {
		return m["op"] == "emit" && m["name"] == "message-error" && m["data"].(map[string]any)["deliveryId"] == id
	}
}

// noMessageError fails when tab port of h got a message-error; it drains what the tab got so far.
func noMessageError(t *testing.T, h *tabs, port int) {
	t.Helper()
	for {
		select {
		case m := <-h.ch(port):
			if m["op"] == "emit" {
				assert.NotEqual(t, "message-error", m["name"], "%v", m["data"])
			}
		default:
			return
		}
	}
}

// TestPoisonMessageDroppedTheRestShown: a poll answer holding a message
// that cannot be decoded still delivers the others, to the inbox views and
// in-app; the poison is one message-error with its delivery id, and polling
// goes on.
func TestPoisonMessageDroppedTheRestShown(t *testing.T) {
	rt, h, srv := newPoisonRuntime(t, deepPoison, message("d1", "orders", `"Hi {{customer.first_name}}"`),
		inAppMessage("w1", 10, 100, `{"title":"Welcome"}`))
	openInAppTab(rt, 1, "user_123", "/", true)
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
	h.nextEach(t, 1, snapshotWith(1, 1), isInApp, messageError("deep"))

	srv.waitPolls(t, "user_123", 5) // polling goes on; the poison is reported once
	noMessageError(t, h, 1)
}

// TestPoisonMessageReachesEveryTabOfTheGroup: in a browser without
// SharedWorker, the leader's answer with a poison message reaches the
// followers without it, and every tab gets the message-error.
func TestPoisonMessageReachesEveryTabOfTheGroup(t *testing.T) {
	b := newBrowser(t, 20, message("d1", "orders", `"Hi"`))
	b.poison = deepPoison
	var tabs []*member
	for range 3 { // the first leads, the others get its answers
		m := b.open(t, "user_123", "")
		m.tabs.nextEach(t, 1, snapshotWith(1, 1), messageError("deep"))
		tabs = append(tabs, m)
	}
	b.pollsGoOn(t, 5)
	assert.Len(t, b.pollers(), 1, "one tab polls for all: %v", b.polls())
	for _, m := range tabs {
		m.heard(t)
		noMessageError(t, m.tabs, 1)
	}
}

// TestFollowerGetsAnAnswerItCannotRead: an answer from another tab's
// runtime (of another version, say) that this one cannot read is a
// message-error; one with a message it cannot read shows the others.
func TestFollowerGetsAnAnswerItCannotRead(t *testing.T) {
	b := newBrowser(t, 10_000, message("d1", "orders", `"Hi"`))
	tabs := b.group(t, 2)
	follower := tabs[1]
	const key = `"key":"roost-poll:http://roost.test:example:user_123","from":"other"`
	follower.rt.Peer([]byte(`{"kind":"answer",` + key + `,"answer":{"messages":{}}}`))
	m := follower.tabs.next(t, 1, func(m map[string]any) bool { return m["op"] == "emit" && m["name"] == "message-error" })
	assert.Contains(t, m["data"].(map[string]any)["error"], `bad answer from another tab: poll answer: "messages" is not an array`)

	follower.rt.Peer([]byte(`{"kind":"answer",` + key + `,"answer":{"messages":[` +
		`{"delivery_id":"d1","channel":"inbox","content":{"title":"Hi"}},{"delivery_id":"d2","trigger":[]},` +
		`{"delivery_id":"d3","channel":"inbox","content":{"title":"There"}}]},"dropped":[{"delivery_id":"d4","error":"message data nests deeper than 100 levels"}]}`))
	follower.tabs.nextEach(t, 1, snapshotWith(1, 2), messageError("d2"), messageError("d4"))
}
