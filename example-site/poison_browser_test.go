package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// poisonMessage is a message whose data nests 9,998 deep: in a poll answer
// it nests past encoding/json's limit (10,000). A server that takes such
// data (an older one, say) would put it in every poll answer of the person.
var poisonMessage = `{"delivery_id":"dlv_poison","channel":"inbox","content":{"title":"x"},"sent_at_ms":1,"trigger":{"d":` +
	strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + `}}`

// TestPoisonMessageDoesNotStopTheInbox: with a poison message in the
// server's poll answers, the page still shows the person's other messages,
// gets one message-error naming the poison's delivery id, and the runtime
// goes on polling.
func TestPoisonMessageDoesNotStopTheInbox(t *testing.T) {
	s := startSite(t) // builds the runtime first: the browser's 60 s start when it starts
	ctx := newBrowser(t)
	// The page talks to the site through a proxy that, once poisoned is
	// set, puts the poison first in each poll answer with messages.
	var poisoned atomic.Bool
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/client/poll" || !poisoned.Load() {
			s.Config.Handler.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		s.Config.Handler.ServeHTTP(rec, r)
		body := bytes.Replace(rec.Body.Bytes(), []byte(`"messages":[`), []byte(`"messages":[`+poisonMessage+`,`), 1)
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}))
	t.Cleanup(proxy.Close)

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(proxy.URL+headlessPage)))
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.shopSession.then(() => window.shopInbox.messages()).then(ms => {
		window.poisonErrors = [];
		analytics.on("message-error", e => window.poisonErrors.push(e));
		return ms.length;
	})`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)

	poisoned.Store(true)
	s.sendInbox(t, replySend) // the next poll is a 200 with the new message, and the poison
	waitForMessages(t, ctx, n+1)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`window.poisonErrors.some(e => e.deliveryId === "dlv_poison")`,
		chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "the page got a message-error for the poison")

	s.waitPolls(t, time.Now(), 3) // polling goes on
	s.sendInbox(t, replySend)     // and a later answer, poisoned too, still shows what is new
	waitForMessages(t, ctx, n+2)
	errs, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string]any](`window.poisonErrors`))
	require.NoError(t, err)
	require.Len(t, errs, 1, "the poison is reported once: %v", errs)
	assert.Contains(t, errs[0]["error"], "nests deeper than "+strconv.Itoa(100)+" levels")
}
