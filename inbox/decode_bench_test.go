package inbox_test

import (
	"encoding/json"
	"testing"

	"github.com/roostmsg/roost/inbox"
)

// benchAnswer is the body of a poll answer of n messages (benchInbox).
func benchAnswer(b *testing.B, n int) []byte {
	b.Helper()
	body, err := json.Marshal(inbox.PollResponse{Messages: benchInbox(n), NextPollMs: 10000, Tier: "active"})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

func benchDecode(b *testing.B, body []byte, want int) {
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := inbox.DecodePollResponse(body)
		if err != nil || len(res.Messages) != want {
			b.Fatal(err, len(res.Messages))
		}
	}
}

// BenchmarkDecodePoll100 decodes a poll answer of 100 messages (about 40 KB).
func BenchmarkDecodePoll100(b *testing.B) { benchDecode(b, benchAnswer(b, 100), 100) }

// BenchmarkDecodePoll10k decodes a poll answer of 10,000 messages (about 4 MB).
func BenchmarkDecodePoll10k(b *testing.B) { benchDecode(b, benchAnswer(b, 10_000), 10_000) }

// BenchmarkDecodePoisoned decodes the answer of the issue: 100 messages and
// one whose trigger data nests 9,998 deep. What it keeps is not checked
// (before the fix the whole answer was an error).
func BenchmarkDecodePoisoned(b *testing.B) {
	body := []byte(`{"messages":[` + with("deep", `"trigger":{"d":`+nested(9998)+`}`) + `,` + string(benchAnswer(b, 100)[len(`{"messages":[`):]))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = inbox.DecodePollResponse(body)
	}
}
