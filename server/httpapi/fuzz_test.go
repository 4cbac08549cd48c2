package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/internal/fuzzbudget"
)

// The budgets of one fuzz input: handling it (every request a target
// makes of it) may take at most their time and allocate, or grow the heap
// by, at most their memory.
var (
	// bodyBudget, of FuzzSendBody and FuzzEventsBody: 3 s, and 64 MiB plus
	// 200 bytes a byte of the input. Handling is linear in the input, about
	// 60 bytes allocated a byte of a 2 MiB send (decoding it into Go values,
	// storing it); an input over the budget has found something worse than
	// linear, a hang or a blow-up.
	bodyBudget = fuzzbudget.Budget{Time: 3 * time.Second, Alloc: 64 << 20, AllocPerByte: 200}
	// templateBudget, of FuzzTemplateBody: the save check (which parses and
	// renders) of a body of MaxSendBody, on a loaded machine.
	templateBudget = fuzzbudget.Budget{Time: 5 * time.Second, Heap: 512 << 20}
)

// sendAttackSeeds are send bodies of the attacks of issue 14: message_data
// nested past any decoder's limit once a poll wraps it, ids that are not
// UTF-8 or that can never poll, trigger names with NUL or bidi controls,
// and a body near the size limit.
var sendAttackSeeds = []string{
	`{"transactional_message_id":1,"identifiers":{"id":"deep"},"message_data":` + nested(9998) + `}`,
	`{"transactional_message_id":1,"identifiers":{"id":"deep"},"message_data":{"a":` + nested(62) + `}}`,
	`{"transactional_message_id":1,"identifiers":{"id":"u"},"message_data":{"a":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}}`,
	"{\"transactional_message_id\":1,\"identifiers\":{\"id\":\"bad\xffid\"}}",
	`{"transactional_message_id":1,"identifiers":{"id":"nul\u0000id"}}`,
	`{"transactional_message_id":1,"identifiers":{"id":"user_123\n"}}`,
	`{"transactional_message_id":1,"identifiers":{"id":" user_123"}}`,
	`{"transactional_message_id":1,"identifiers":{"email":"a@b.c\u202e"}}`,
	`{"transactional_message_id":"new\u0000name","identifiers":{"id":"u"},"auto_create":true}`,
	`{"transactional_message_id":"new\u202ename","identifiers":{"id":"u"},"auto_create":true}`,
	`{"transactional_message_id":1,"identifiers":{"id":"` + strings.Repeat("é", 257) + `"}}`,
	`{"transactional_message_id":1,"identifiers":{"id":"u"},"message_data":{"a":[` + strings.Repeat(`{"s":"\"[{"},`, 10000) + `0]}}`,
}

// FuzzSendBody checks that no send body makes the server fail with 500 or
// take over bodyBudget, and that an accepted send can be polled: its
// message_data still decodes when a poll wraps it.
func FuzzSendBody(f *testing.F) {
	for _, seed := range append([]string{
		seedSend,
		`{"transactional_message_id":3,"identifiers":{"email":"a@b.c"},"message_data":{"k":[1,{"x":null}]}}`,
		`{"transactional_message_id":"1","identifiers":{"cio_id":"user_123"}}`,
		`{"transactional_message_id":1e400,"identifiers":{"id":-7}}`,
		`{"transactional_message_id":"welcome_offer","identifiers":{"id":"\u0000\ud800"}}`,
		`{"identifiers":{"id":null,"email":null}}`,
		`{"message_data":"x"}`,
		`{"transactional_message_id":"1","identifiers":{"id":"u"},"send_at":1e300,"language":"fr-CA","queue_draft":true}`,
		`{"transactional_message_id":"new_one","identifiers":{"id":"u"},"auto_create":true,"send_to_unsubscribed":false,"disable_message_retention":true}`,
		`{"transactional_message_id":"welcome_offer","identifiers":{"id":"u"},"send_at":-1,"language":"é"}`,
		`null`, `[]`, `{}`, `{"a":1}{`, "\xff\xfe",
	}, sendAttackSeeds...) {
		f.Add(seed)
	}
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, body string) {
		var accepted []string
		bodyBudget.Check(t, fmt.Sprintf("send body %.200q", body), len(body), func() {
			for _, channel := range []string{"inbox_message", "in_app"} {
				req := httptest.NewRequest(http.MethodPost, "/v1/send/"+channel, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+testKey)
				w := httptest.NewRecorder()
				fx.h.ServeHTTP(w, req)
				if w.Code == http.StatusInternalServerError || (w.Code != http.StatusOK && !strings.Contains(w.Body.String(), `"meta":{"error":`)) {
					t.Errorf("POST %s %q: %d %s", channel, body, w.Code, w.Body.String())
					return
				}
				if w.Code == http.StatusOK {
					var resp struct {
						DeliveryID string `json:"delivery_id"`
					}
					if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
						t.Errorf("POST %s %q: the answer does not decode: %v", channel, body, err)
						return
					}
					accepted = append(accepted, resp.DeliveryID)
				}
			}
		})
		if t.Failed() {
			return
		}
		for _, id := range accepted {
			// a poll wraps message_data two levels deeper than the delivery's state does
			req := httptest.NewRequest(http.MethodGet, "/v1/deliveries/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+testKey)
			w := httptest.NewRecorder()
			fx.h.ServeHTTP(w, req)
			require.Equal(t, http.StatusOK, w.Code)
			var wrapped any
			require.NoError(t, json.Unmarshal([]byte(`{"messages":[`+w.Body.String()+`]}`), &wrapped),
				"an accepted send %q would make its person's poll undecodable", body)
		}
	})
}

// FuzzTemplateBody checks that no template body, created or replaced,
// makes the server fail with 500 or answer an error without
// {"meta":{"error":...}}, or take over templateBudget.
func FuzzTemplateBody(f *testing.F) {
	for _, src := range []string{
		`{% cycle ` + strings.TrimSuffix(strings.Repeat(`"aaaa",`, 50_000), ",") + ` %}`, // 300 KB: 13 GB before
		`{% cycle ` + strings.TrimSuffix(strings.Repeat(`"a",`, 16_000), ",") + ` %}`,    // under MaxContentBytes
		`{% case x %}{% when ` + strings.TrimSuffix(strings.Repeat(`1,`, 30_000), ",") + ` %}y{% endcase %}`,
		`{% for i in (1..100000000) %}x{% endfor %}`,
		`{% assign s = "ab" %}` + strings.Repeat(`{% assign s = s | append: s %}`, 30),
		`{% for i in (1..customer.n) %}x{% endfor %}`,
		`{{ 0 | date: "%1000000Y" }}{{ (1..3) | map: "x" | uniq }}{{ (5..1) | join }}`,
		`{{ 99999999999999999999 }}`, `{% include "/etc/passwd" %}`,
	} {
		f.Add(templateWithBody(src))
	}
	for _, seed := range []string{
		`{"name":"n","trigger_name":"t","channel":"inbox","content":{"title":"{{customer.first_name}}"}}`,
		`{"name":"n","trigger_name":"t","channel":"in_app","content":{},"contents":[{"language":"fr","body":{"a":"{% if x %}b{% endif %}"}}]}`,
		`{"name":"n","trigger_name":"t","channel":"inbox","content":{"a":"{% for %}"}}`,
		`{"id":-1,"name":"","trigger_name":"1","channel":"inbox","contents":[{"id":0,"language":"","body":null}]}`,
		`{"name":"n","trigger_name":"t","channel":"inbox","content":{"a":"{{ x | nope }}"},"send_to_unsubscribed":null}`,
		`{"content":"x"}`, `[]`, `{}`,
	} {
		f.Add(seed)
	}
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, body string) {
		for _, route := range []struct{ method, path string }{{http.MethodPost, "/v1/transactional"}, {http.MethodPut, "/v1/transactional/50"}} {
			req := httptest.NewRequest(route.method, route.path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+testKey)
			w := httptest.NewRecorder()
			templateBudget.Check(t, route.method+" "+route.path, len(body), func() { fx.h.ServeHTTP(w, req) })
			if w.Code >= 500 || (w.Code >= 300 && !strings.Contains(w.Body.String(), `"meta":{"error":`)) {
				t.Fatalf("%s %s %q: %d %s", route.method, route.path, body, w.Code, w.Body.String())
			}
		}
	})
}

// FuzzEventsBody checks that no events body makes the server fail with 500
// or answer an error without {"meta":{"error":...}}, or take over
// bodyBudget.
func FuzzEventsBody(f *testing.F) {
	for _, seed := range []string{
		`{"events":[{"id":"e1","delivery_id":"dlv_x","type":"opened","at_ms":1}]}`,
		`{"events":[{"id":"i1","type":"identify","attributes":{"first_name":"Ann","email":null,"n":1e400}}]}`,
		`{"events":[{"id":"i2","type":"identify","attributes":"x"},{"id":"i3","type":"identify","attributes":{"":1}}]}`,
		`{"events":[{"id":"i4","type":"identify","attributes":{"unsubscribed":"no"},"delivery_id":"d"}]}`,
		`{"events":[{"id":"c1","delivery_id":"dlv_x","type":"clicked","attributes":[1]}]}`,
		`{"events":[{"id":"\ud800","type":"identify","attributes":{"\u0000":{"a":[null]}}}]}`,
		`{"events":null}`, `{"events":[null]}`, `{}`, `[]`, `null`,
		// attacks: identify attributes nested past a poll's decoder, bytes
		// that are not UTF-8, control and bidi characters, a full batch
		`{"events":[{"id":"d1","type":"identify","attributes":{"a":` + nested(9995) + `}}]}`,
		`{"events":[{"id":"d2","type":"identify","attributes":{"a":` + nested(60) + `}}]}`,
		"{\"events\":[{\"id\":\"i\xff\",\"type\":\"identify\",\"attributes\":{\"name\":\"\xfe\"}}]}",
		`{"events":[{"id":"c\u0000","delivery_id":"dlv_x\u202e","type":"clicked","action":"a\u2066"}]}`,
		`{"events":[` + strings.Repeat(`{"id":"o","delivery_id":"dlv_x","type":"opened"},`, 500) + `{"id":"z","delivery_id":"dlv_x","type":"opened"}]}`,
		`{"events":[` + strings.Repeat(`{"id":"i","type":"identify","attributes":{"k":"`+strings.Repeat("v", 1000)+`"}},`, 400) + `null]}`,
	} {
		f.Add(seed)
	}
	fx := newFixture(f)
	id := fx.send("inbox_message", seedSend)
	f.Add(`{"events":[{"id":"o","delivery_id":"` + id + `","type":"opened"},{"id":"i","type":"identify","attributes":{"a":1}}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		bodyBudget.Check(t, fmt.Sprintf("events body %.200q", body), len(body), func() {
			req := httptest.NewRequest(http.MethodPost, "/v1/client/events", strings.NewReader(body))
			req.Header.Set("X-Roost-Site", testSite)
			req.Header.Set("X-Roost-User", "user_123")
			w := httptest.NewRecorder()
			fx.h.ServeHTTP(w, req)
			if w.Code >= 500 || (w.Code != http.StatusOK && !strings.Contains(w.Body.String(), `"meta":{"error":`)) {
				t.Errorf("POST events %q: %d %s", body, w.Code, w.Body.String())
			}
		})
		if t.Failed() {
			return
		}
		req := httptest.NewRequest(http.MethodGet, "/v1/client/poll", nil)
		req.Header.Set("X-Roost-Site", testSite)
		req.Header.Set("X-Roost-User", "user_123")
		w := httptest.NewRecorder()
		fx.h.ServeHTTP(w, req)
		require.Equal(t, http.StatusOK, w.Code)
		_, err := inbox.DecodePollResponse(w.Body.Bytes())
		require.NoError(t, err, "after events %q, user_123's poll no longer decodes", body)
	})
}
