package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roostmsg/roost/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demoPost posts body to /api/demo/send as the control page does and decodes the answer.
func demoPost(t *testing.T, base, contentType, body string) (int, map[string]any, http.Header) {
	t.Helper()
	res, err := http.Post(base+"/api/demo/send", contentType, strings.NewReader(body))
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	return res.StatusCode, out, res.Header
}

// demoError is the answer's meta.error, "" when there is none.
func demoError(answer map[string]any) string {
	meta, _ := answer["meta"].(map[string]any)
	msg, _ := meta["error"].(string)
	return msg
}

// delivery asks the send side for a delivery's state, as a backend would.
func delivery(t *testing.T, base, id string) map[string]any {
	t.Helper()
	status, body, _ := get(t, base+"/v1/deliveries/"+id, map[string]string{"Authorization": "Bearer k"})
	require.Equal(t, http.StatusOK, status, body)
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &out))
	return out
}

func TestDemoSend(t *testing.T) {
	now := time.Date(2025, 11, 22, 9, 0, 0, 0, time.UTC)
	s, ts := openTestSite(t, options{DataDir: t.TempDir(), APIKey: "k", Seed: "seed.json", Now: func() time.Time { return now }})
	const order = `{"template":"order_shipped","data":{"order_id":"ORD-1","product_name":"Linen Throw","tracking_url":"https://track.example.com/1"}}`

	t.Run("a good send is queued for the demo person", func(t *testing.T) {
		status, answer, _ := demoPost(t, ts.URL, "application/json", order)
		require.Equal(t, http.StatusOK, status, answer)
		id, _ := answer["delivery_id"].(string)
		require.True(t, strings.HasPrefix(id, "dlv_"), answer)
		assert.Equal(t, float64(now.Unix()), answer["queued_at"])
		assert.Nil(t, answer["send_at"], "sent now: no send_at")
		assert.Equal(t, "POST /v1/send/inbox_message", answer["endpoint"])
		assert.Equal(t, map[string]any{
			"transactional_message_id": "order_shipped",
			"identifiers":              map[string]any{"id": "user_123"},
			"message_data":             map[string]any{"order_id": "ORD-1", "product_name": "Linen Throw", "tracking_url": "https://track.example.com/1"},
		}, answer["request"], "the answer shows the send API request, which holds no key")

		d := delivery(t, ts.URL, id)
		assert.Equal(t, "queued", d["status"])
		assert.Equal(t, "user_123", d["person_id"])
		assert.Equal(t, "inbox", d["channel"])
		assert.Equal(t, "", d["language"])
		assert.Equal(t, map[string]any{"order_id": "ORD-1", "product_name": "Linen Throw", "tracking_url": "https://track.example.com/1"}, d["message_data"])
		status, body := pollAs(t, ts.URL, "user_123", server.SignIdentity(s.siteSecret, "user_123"))
		require.Equal(t, http.StatusOK, status, body)
		assert.Contains(t, body, id, "the page's next poll has it")
	})

	t.Run("later, in French, in-app", func(t *testing.T) {
		status, answer, _ := demoPost(t, ts.URL, "application/json; charset=utf-8",
			`{"template":"order_shipped","data":{"order_id":"ORD-2"},"send_in":90,"language":"fr"}`)
		require.Equal(t, http.StatusOK, status, answer)
		assert.Equal(t, float64(now.Unix()+90), answer["send_at"])
		d := delivery(t, ts.URL, answer["delivery_id"].(string))
		assert.Equal(t, "scheduled", d["status"])
		assert.Equal(t, "fr", d["language"])
		assert.Equal(t, float64(now.Unix()+90), d["send_at"])

		status, answer, _ = demoPost(t, ts.URL, "application/json", `{"template":"welcome_offer","data":{},"send_in":0,"language":""}`)
		require.Equal(t, http.StatusOK, status, answer)
		assert.Equal(t, "POST /v1/send/in_app", answer["endpoint"])
		d = delivery(t, ts.URL, answer["delivery_id"].(string))
		assert.Equal(t, "in_app", d["channel"])
		assert.Equal(t, "queued", d["status"])
	})

	t.Run("unknown template", func(t *testing.T) {
		status, answer, _ := demoPost(t, ts.URL, "application/json", `{"template":"order_lost"}`)
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Equal(t, `unknown template "order_lost": choose one of order_shipped, comment_reply, welcome_offer, maintenance_notice`, demoError(answer))
	})

	t.Run("bad JSON", func(t *testing.T) {
		for _, body := range []string{`{"template":`, ``, `[]`, `"order_shipped"`, `{"template":"order_shipped"} {}`} {
			status, answer, _ := demoPost(t, ts.URL, "application/json", body)
			assert.Equal(t, http.StatusBadRequest, status, body)
			assert.Contains(t, demoError(answer), "malformed JSON", body)
		}
	})

	t.Run("wrong method", func(t *testing.T) {
		status, body, hd := get(t, ts.URL+"/api/demo/send", nil)
		assert.Equal(t, http.StatusMethodNotAllowed, status)
		assert.Equal(t, "POST", hd.Get("Allow"))
		assert.Contains(t, body, "use POST")
	})

	t.Run("other bad requests say what is wrong", func(t *testing.T) {
		for body, want := range map[string]string{
			`{}`:             `"template" is required: one of order_shipped, comment_reply, welcome_offer, maintenance_notice`,
			`{"template":7}`: `"template" must be a string`,
			`{"template":"order_shipped","user":"u"}`:                                              `unknown field "user"`,
			`{"template":"order_shipped","data":[1]}`:                                              `"data" must be an object of strings`,
			`{"template":"order_shipped","data":{"order_id":5}}`:                                   `"data.order_id" must be a string`,
			`{"template":"order_shipped","data":{"coupon":"x"}}`:                                   `order_shipped has no field "coupon": its fields are order_id, product_name, tracking_url`,
			`{"template":"order_shipped","data":{"order_id":"` + strings.Repeat("x", 1001) + `"}}`: `"data.order_id" must be text of at most 1000 bytes`,
			`{"template":"order_shipped","send_in":-1}`:                                            `"send_in" must be a whole number of seconds from 0 to 86400`,
			`{"template":"order_shipped","send_in":1.5}`:                                           `"send_in" must be a whole number`,
			`{"template":"order_shipped","send_in":"60"}`:                                          `"send_in" must be a whole number`,
			`{"template":"order_shipped","send_in":86401}`:                                         `"send_in" must be a whole number`,
			`{"template":"order_shipped","language":"de"}`:                                         `order_shipped has no "de" variant: its languages are fr`,
			`{"template":"comment_reply","language":"fr"}`:                                         `comment_reply has only its default language`,
			`{"template":"order_shipped","language":1}`:                                            `"language" must be a string`,
		} {
			status, answer, _ := demoPost(t, ts.URL, "application/json", body)
			assert.Equal(t, http.StatusBadRequest, status, body)
			assert.Contains(t, demoError(answer), want, body)
		}
		status, answer, _ := demoPost(t, ts.URL, "text/plain", order)
		assert.Equal(t, http.StatusUnsupportedMediaType, status, "a form of another site cannot post here")
		assert.Contains(t, demoError(answer), "Content-Type: application/json")
		status, answer, _ = demoPost(t, ts.URL, "application/json", `{"template":"order_shipped","data":{"order_id":"`+strings.Repeat("x", 20<<10)+`"}}`)
		assert.Equal(t, http.StatusRequestEntityTooLarge, status)
		assert.Contains(t, demoError(answer), "over 16384 bytes")
	})

	t.Run("the send API's refusal is relayed", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodDelete, ts.URL+"/v1/transactional/2", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer k")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusNoContent, res.StatusCode)

		status, answer, _ := demoPost(t, ts.URL, "application/json", `{"template":"comment_reply","data":{"author_name":"Grace"}}`)
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Regexp(t, `^the send API answered 400: .*not found`, demoError(answer))
		assert.Equal(t, "POST /v1/send/inbox_message", answer["endpoint"])
		assert.Nil(t, answer["delivery_id"])
	})
}

// TestDemoSendWithAWrongKey: a site whose key the server refuses is the
// site's fault, not the page's: 502, with the server's reason.
func TestDemoSendWithAWrongKey(t *testing.T) {
	s, _ := openTestSite(t, options{DataDir: t.TempDir(), APIKey: "k", Seed: "seed.json"})
	mux := http.NewServeMux()
	mux.Handle("/v1/", s.handler)
	mux.Handle("/api/demo/send", demoSendHandler("not-the-key", nil))
	ts := httptest.NewServer(mux)
	defer ts.Close()
	res, err := http.Post(ts.URL+"/api/demo/send", "application/json", strings.NewReader(`{"template":"welcome_offer"}`))
	require.NoError(t, err)
	defer res.Body.Close()
	var answer map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&answer))
	assert.Equal(t, http.StatusBadGateway, res.StatusCode)
	assert.Regexp(t, `^the send API answered 401: `, demoError(answer))
}

// TestDemoTemplatesMatchTheSeed: the control page offers every template of
// seed.json, with its channel, topics and languages, and a field for every
// {{trigger.*}} value its contents use (and no other), and says where an
// in-app one shows (its layout) and whether it stays until closed.
func TestDemoTemplatesMatchTheSeed(t *testing.T) {
	raw, err := os.ReadFile("seed.json")
	require.NoError(t, err)
	seed, err := server.ParseSeed(raw)
	require.NoError(t, err)
	require.Len(t, demoTemplates, len(seed.Templates))
	trigger := regexp.MustCompile(`trigger\.([A-Za-z0-9_]+)`)
	for _, st := range seed.Templates {
		dt := findDemoTemplate(st.TriggerName)
		if !assert.NotNil(t, dt, "seed template %q is offered", st.TriggerName) {
			continue
		}
		assert.Equal(t, st.Name, dt.Name)
		assert.Equal(t, st.Channel, dt.Channel, st.TriggerName)
		assert.Equal(t, st.Topics, dt.Topics, st.TriggerName)
		var used, langs []string
		for _, c := range st.Contents {
			for _, m := range trigger.FindAllStringSubmatch(string(c.Body), -1) {
				if !slices.Contains(used, m[1]) {
					used = append(used, m[1])
				}
			}
			if c.Language != "" {
				langs = append(langs, c.Language)
			}
		}
		var fields, tags []string
		for _, f := range dt.Fields {
			fields = append(fields, f.Name)
			assert.NotEmpty(t, f.Label, f.Name)
		}
		for _, l := range dt.Languages {
			tags = append(tags, l.Tag)
		}
		assert.ElementsMatch(t, used, fields, "%s: a field for every trigger value", st.TriggerName)
		assert.ElementsMatch(t, langs, tags, st.TriggerName)
		assert.NotEmpty(t, dt.Description, st.TriggerName)
		if st.Channel == "in_app" {
			// The description says where the presenter shows it, and for how long.
			var c struct {
				Layout     string `json:"layout"`
				Persistent bool   `json:"persistent"`
			}
			i := slices.IndexFunc(st.Contents, func(c server.Content) bool { return c.Language == "" })
			require.GreaterOrEqual(t, i, 0, st.TriggerName)
			require.NoError(t, json.Unmarshal(st.Contents[i].Body, &c), st.TriggerName)
			where := map[string]string{"": "pop-up", "modal": "pop-up", "top": "along the top", "banner": "along the top",
				"bottom": "along the bottom", "inline": "card"}[c.Layout]
			assert.Contains(t, dt.Description, where, "%s: layout %q", st.TriggerName, c.Layout)
			if c.Persistent {
				assert.Contains(t, dt.Description, "until the customer closes it", st.TriggerName)
			} else {
				assert.Contains(t, dt.Description, "once", st.TriggerName)
			}
		}
	}

	_, ts := openTestSite(t, options{DataDir: t.TempDir(), APIKey: "k"})
	status, body, hd := get(t, ts.URL+"/api/demo/templates", nil)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "application/json", hd.Get("Content-Type"))
	assert.NotContains(t, body, `"k"`)
	var got struct {
		Person    string
		Templates []demoTemplate
	}
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	assert.Equal(t, "user_123", got.Person)
	assert.Equal(t, demoTemplates, got.Templates)

	status, body, hd = get(t, ts.URL+"/control", nil)
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "text/html; charset=utf-8", hd.Get("Content-Type"))
	assert.Contains(t, body, `src="/control.js"`)
}
