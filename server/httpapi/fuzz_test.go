package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/roostmsg/roost/internal/fuzzbudget"
)

// The budget of one template body in FuzzTemplateBody: the save check of a
// body of MaxSendBody, on a loaded machine.
const (
	templateFuzzTime = 5 * time.Second
	templateFuzzHeap = 512 << 20
)

// FuzzSendBody checks that no send body makes the server fail with 500.
func FuzzSendBody(f *testing.F) {
	for _, seed := range []string{
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
	} {
		f.Add(seed)
	}
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, body string) {
		for _, channel := range []string{"inbox_message", "in_app"} {
			req := httptest.NewRequest(http.MethodPost, "/v1/send/"+channel, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+testKey)
			w := httptest.NewRecorder()
			fx.h.ServeHTTP(w, req)
			if w.Code == http.StatusInternalServerError || (w.Code != http.StatusOK && !strings.Contains(w.Body.String(), `"meta":{"error":`)) {
				t.Fatalf("POST %s %q: %d %s", channel, body, w.Code, w.Body.String())
			}
		}
	})
}

// FuzzTemplateBody checks that no template body, created or replaced,
// makes the server fail with 500 or answer an error without
// {"meta":{"error":...}}, or take more than templateFuzzTime or grow the
// heap by more than templateFuzzHeap (the save check parses and renders).
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
			fuzzbudget.Run(t, route.method+" "+route.path, templateFuzzTime, templateFuzzHeap, func() { fx.h.ServeHTTP(w, req) })
			if w.Code >= 500 || (w.Code >= 300 && !strings.Contains(w.Body.String(), `"meta":{"error":`)) {
				t.Fatalf("%s %s %q: %d %s", route.method, route.path, body, w.Code, w.Body.String())
			}
		}
	})
}

// FuzzEventsBody checks that no events body makes the server fail with 500
// or answer an error without {"meta":{"error":...}}.
func FuzzEventsBody(f *testing.F) {
	for _, seed := range []string{
		`{"events":[{"id":"e1","delivery_id":"dlv_x","type":"opened","at_ms":1}]}`,
		`{"events":[{"id":"i1","type":"identify","attributes":{"first_name":"Ann","email":null,"n":1e400}}]}`,
		`{"events":[{"id":"i2","type":"identify","attributes":"x"},{"id":"i3","type":"identify","attributes":{"":1}}]}`,
		`{"events":[{"id":"i4","type":"identify","attributes":{"unsubscribed":"no"},"delivery_id":"d"}]}`,
		`{"events":[{"id":"c1","delivery_id":"dlv_x","type":"clicked","attributes":[1]}]}`,
		`{"events":[{"id":"\ud800","type":"identify","attributes":{"\u0000":{"a":[null]}}}]}`,
		`{"events":null}`, `{"events":[null]}`, `{}`, `[]`, `null`,
	} {
		f.Add(seed)
	}
	fx := newFixture(f)
	id := fx.send("inbox_message", seedSend)
	f.Add(`{"events":[{"id":"o","delivery_id":"` + id + `","type":"opened"},{"id":"i","type":"identify","attributes":{"a":1}}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/v1/client/events", strings.NewReader(body))
		req.Header.Set("X-Roost-Site", testSite)
		req.Header.Set("X-Roost-User", "user_123")
		w := httptest.NewRecorder()
		fx.h.ServeHTTP(w, req)
		if w.Code >= 500 || (w.Code != http.StatusOK && !strings.Contains(w.Body.String(), `"meta":{"error":`)) {
			t.Fatalf("POST events %q: %d %s", body, w.Code, w.Body.String())
		}
	})
}
