package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
