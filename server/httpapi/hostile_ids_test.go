package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// jsonAPIs are the routes that read a JSON body, each with a body that
// would be accepted; "@" in it marks where a test puts its own text.
var jsonAPIs = []struct{ method, path, body string }{
	{http.MethodPost, "/v1/send/inbox_message", `{"transactional_message_id":"order_shipped","identifiers":{"id":"user_123"},"message_data":{"x":"@"}}`},
	{http.MethodPost, "/v1/send/in_app", `{"transactional_message_id":"welcome_offer","identifiers":{"id":"user_123"},"message_data":{"x":"@"}}`},
	{http.MethodPost, "/v1/transactional", `{"name":"@","trigger_name":"t_new","channel":"inbox","content":{"title":"x"}}`},
	{http.MethodPut, "/v1/transactional/1", `{"name":"@","trigger_name":"order_shipped","channel":"inbox","content":{"title":"x"}}`},
	{http.MethodPut, "/v1/transactional/1/content/1", `{"body":{"title":"@"}}`},
	{http.MethodPut, "/v1/people/user_123", `{"attributes":{"x":"@"}}`},
	{"CLIENT", "/v1/client/events", `{"events":[{"id":"i1","type":"identify","attributes":{"x":"@"}}]}`},
}

// call sends body to one of jsonAPIs (a browser request for "CLIENT").
func (f *fixture) call(method, path, body string) *httptest.ResponseRecorder {
	f.tb.Helper()
	if method == "CLIENT" {
		return f.client(http.MethodPost, path, "user_123", body, "Content-Type", "application/json")
	}
	return f.app(method, path, body)
}

// TestHostile_InvalidUTF8 (attack: two ids differing only in bytes that are
// not UTF-8 landed on one person, both read as U+FFFD): every JSON API
// refuses a body that is not UTF-8 before decoding it, and says so.
func TestHostile_InvalidUTF8(t *testing.T) {
	f := newFixture(t)
	for _, api := range jsonAPIs {
		t.Run(api.method+api.path, func(t *testing.T) {
			ok := f.call(api.method, api.path, strings.Replace(api.body, "@", "fine", 1))
			require.Less(t, ok.Code, 300, "the body is accepted as UTF-8: %s", ok.Body.String())
			w := f.call(api.method, api.path, strings.Replace(api.body, "@", "bad\xffbyte", 1))
			require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
			assert.Contains(t, errorMessage(t, w), "not valid UTF-8 (at byte")
		})
	}
	t.Run("TwoIdsNoLongerOnePerson", func(t *testing.T) {
		for _, id := range []string{"bad\xffid", "bad\xfeid"} {
			w := f.app(http.MethodPost, "/v1/send/inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"`+id+`"}}`)
			assert.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
		}
		w := f.app(http.MethodGet, "/v1/people/bad%EF%BF%BDid", "")
		assert.Equal(t, http.StatusNotFound, w.Code, "no person was made of either")
	})
}

// oddIDs are identifiers that can never be sent as X-Roost-User or that
// look like another id: each is refused by every API that takes an id.
var oddIDs = map[string]string{
	"NUL":            "user\x00123",
	"Newline":        "user_123\n",
	"CR":             "user\r123",
	"Tab":            "user\t123",
	"DEL":            "user\x7f123",
	"C1":             "user\u0085123",
	"LeadingSpace":   " user_123",
	"TrailingSpace":  "user_123 ",
	"NBSPAtEnd":      "user_123\u00a0",
	"BidiOverride":   "user\u202e321",
	"BidiIsolate":    "user\u2066123",
	"RLM":            "\u200fuser_123",
	"LineSeparator":  "user\u2028123",
	"ByteOrderMark":  "\ufeffuser_123",
	"Over512Bytes":   strings.Repeat("a", server.MaxPersonIDLen+1),
	"Over512ByRune":  strings.Repeat("a", server.MaxPersonIDLen-1) + "é",
	"OnlyWhiteSpace": " \t ",
}

// TestHostile_OddPersonIDs (attack: ids with NUL, newlines or surrounding
// white space were accepted by the send API but could never poll, so their
// messages were never delivered): the send, people, drafts, poll and
// events APIs all refuse them with 400, by one rule (server.ValidatePersonID).
func TestHostile_OddPersonIDs(t *testing.T) {
	f := newFixture(t)
	for name, id := range oddIDs {
		t.Run(name, func(t *testing.T) {
			quoted, err := json.Marshal(id)
			require.NoError(t, err)
			for _, kind := range []string{"id", "cio_id", "email"} {
				v := string(quoted)
				if kind == "email" {
					v = strings.Replace(v, "user", "u@example.com", 1)
				}
				w := f.app(http.MethodPost, "/v1/send/inbox_message", `{"transactional_message_id":1,"identifiers":{"`+kind+`":`+v+`}}`)
				require.Equal(t, http.StatusBadRequest, w.Code, "send to %s %s: %s", kind, v, w.Body.String())
				assert.Contains(t, errorMessage(t, w), `"identifiers.`+kind+`"`)
			}
			path := "/v1/people/" + url.PathEscape(id)
			for _, w := range []*httptest.ResponseRecorder{
				f.app(http.MethodPut, path, `{"attributes":{"a":1}}`),
				f.app(http.MethodGet, path, ""),
				f.app(http.MethodGet, "/v1/drafts?person="+url.QueryEscape(id), ""),
				f.client(http.MethodGet, "/v1/client/poll", id, ""),
				f.client(http.MethodPost, "/v1/client/events", id, events(ev("e1", "dlv_x", "opened"))),
			} {
				require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
				assert.Contains(t, errorMessage(t, w), "person id")
			}
		})
	}
}

// TestValidatePersonID_Length: an id of exactly MaxPersonIDLen bytes is a
// person (and polls); one byte more is refused everywhere, in bytes, not
// characters.
func TestValidatePersonID_Length(t *testing.T) {
	f := newFixture(t)
	longest := strings.Repeat("é", server.MaxPersonIDLen/2) // 512 bytes, 256 characters
	require.NoError(t, server.ValidatePersonID(longest))
	id := f.send("inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"`+longest+`"}}`)
	assert.Equal(t, id, f.poll(longest).Messages[0].DeliveryID, "a 512-byte id polls its message")

	over := longest + "a"
	err := server.ValidatePersonID(over)
	require.Error(t, err)
	assert.Equal(t, server.EINVALID, server.ErrorCode(err))
	assert.Contains(t, server.ErrorMessage(err), "longer than 512 bytes")
	w := f.client(http.MethodGet, "/v1/client/poll", over, "")
	assert.Equal(t, http.StatusBadRequest, w.Code)
}

// TestHostile_UsualIDsStillWork: ids with inner spaces, non-ASCII letters,
// emoji joined by U+200D and the like are people as before.
func TestHostile_UsualIDsStillWork(t *testing.T) {
	f := newFixture(t)
	for _, id := range []string{"user 123", "zoë@example.com", "名前", "👩\u200d💻", "a/b?c", "0"} {
		quoted, _ := json.Marshal(id)
		d := f.send("inbox_message", `{"transactional_message_id":1,"identifiers":{"id":`+string(quoted)+`}}`)
		assert.Equal(t, d, f.poll(id).Messages[0].DeliveryID, "%q polls its message", id)
	}
}

// TestHostile_OddTemplateIdentifiers (attack: trigger names with NUL or
// bidi controls were accepted): trigger names, topics and types follow the
// identifier rule, on create, replace and an in-app auto_create send.
func TestHostile_OddTemplateIdentifiers(t *testing.T) {
	f := newFixture(t)
	for name, bad := range map[string]string{
		"NUL": "order\x00shipped", "Bidi": "order\u202eshipped", "Newline": "order_shipped\n",
		"Surrounding": " order_new", "LineSeparator": "a\u2028b", "BOM": "\ufeffx",
	} {
		t.Run(name, func(t *testing.T) {
			q, _ := json.Marshal(bad)
			for _, tt := range []struct{ field, body string }{
				{"trigger_name", `{"name":"n","trigger_name":` + string(q) + `,"channel":"inbox","content":{"title":"x"}}`},
				{"topic", `{"name":"n","trigger_name":"ok_name","topics":[` + string(q) + `],"channel":"inbox","content":{"title":"x"}}`},
				{"type", `{"name":"n","trigger_name":"ok_name","type":` + string(q) + `,"channel":"inbox","content":{"title":"x"}}`},
			} {
				for _, route := range []struct{ method, path string }{{http.MethodPost, "/v1/transactional"}, {http.MethodPut, "/v1/transactional/77"}} {
					w := f.app(route.method, route.path, tt.body)
					require.Equal(t, http.StatusBadRequest, w.Code, "%s %s with %s %q: %s", route.method, route.path, tt.field, bad, w.Body.String())
					assert.Contains(t, errorMessage(t, w), tt.field)
				}
			}
			w := f.app(http.MethodPost, "/v1/send/in_app", `{"transactional_message_id":`+string(q)+`,"identifiers":{"id":"u"},"auto_create":true}`)
			require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
		})
	}
	w := f.app(http.MethodGet, "/v1/transactional/77", "")
	assert.Equal(t, http.StatusNotFound, w.Code, "nothing was stored")
}

// nested returns a JSON object nested depth deep: {"a":{"a":...1...}}.
func nested(depth int) string {
	return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
}

// TestHostile_DeepJSON (attack: message_data nested 9,998 deep was accepted,
// and its poll, two levels deeper, was past every decoder's limit, so that
// person's inbox stopped): every JSON API refuses a body nesting deeper
// than server.MaxJSONDepth with 400, and the deepest message_data accepted
// still makes a poll the runtime decodes.
func TestHostile_DeepJSON(t *testing.T) {
	f := newFixture(t)
	for _, api := range jsonAPIs {
		t.Run(api.method+api.path, func(t *testing.T) {
			for _, depth := range []int{server.MaxJSONDepth, 9998} {
				w := f.call(api.method, api.path, strings.Replace(api.body, `"@"`, nested(depth), 1))
				require.Equal(t, http.StatusBadRequest, w.Code, "depth %d", depth)
				assert.Contains(t, errorMessage(t, w), "nest deeper than 64 levels")
			}
		})
	}
	t.Run("ContentAsString", func(t *testing.T) {
		q, _ := json.Marshal(nested(9998))
		w := f.app(http.MethodPut, "/v1/transactional/1/content/1", `{"body":`+string(q)+`}`)
		require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
		assert.Contains(t, errorMessage(t, w), "nest deeper than 64 levels")
	})
	t.Run("DeepestAcceptedStillPolls", func(t *testing.T) {
		// the body is one level, message_data the next: 62 more fit
		data := nested(server.MaxJSONDepth - 2)
		id := f.send("inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"deep"},"message_data":{"a":`+data+`}}`)
		w := f.client(http.MethodGet, "/v1/client/poll", "deep", "")
		require.Equal(t, http.StatusOK, w.Code)
		resp, err := inbox.DecodePollResponse(w.Body.Bytes())
		require.NoError(t, err)
		require.Len(t, resp.Messages, 1)
		assert.Equal(t, id, resp.Messages[0].DeliveryID)
	})
	t.Run("BracketsInStringsDoNotCount", func(t *testing.T) {
		s, _ := json.Marshal(strings.Repeat(`{["\`, 5000))
		f.send("inbox_message", `{"transactional_message_id":1,"identifiers":{"id":"u"},"message_data":{"s":`+string(s)+`}}`)
	})
}
