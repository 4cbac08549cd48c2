package inbox_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/internal/fuzzbudget"
)

// decodeBudget is the budget of one decode in FuzzDecodePollResponse: 1 s
// plus 1 µs a byte of the body, and 1 MiB allocated plus 256 bytes a byte;
// the fixed parts also absorb a loaded machine's pauses. Decoding runs at some 30 MB/s (33 ns a byte), and allocates 5 to 15 bytes
// per byte of real answers, up to some 180 for hostile ones made of tiny
// or broken messages (each costs a Message, or a new decoder, of a few
// hundred bytes): the budgets only catch what grows faster than the body.
var decodeBudget = fuzzbudget.Budget{Time: time.Second, TimePerByte: time.Microsecond, Alloc: 1 << 20, AllocPerByte: 256}

// FuzzDecodePollResponse checks that no poll answer makes the decoder
// panic or go over its time and memory budgets, that every message it
// drops says why, and that an answer it decodes, encoded again (as the
// leading tab does for the others), decodes to the same messages with none
// dropped. Seeded with the corpus of hostile answers.
func FuzzDecodePollResponse(f *testing.F) {
	for _, c := range hostileAnswers() {
		f.Add([]byte(c.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var res inbox.PollResponse
		var err error
		decodeBudget.Check(t, "decoding", len(body), func() { res, err = inbox.DecodePollResponse(body) })
		if err != nil {
			return
		}
		for _, p := range res.Dropped {
			if p.Err == nil || p.Err.Error() == "" {
				t.Fatalf("message %q dropped without a reason", p.DeliveryID)
			}
		}
		again, err := json.Marshal(res)
		if err != nil {
			t.Fatalf("a decoded answer cannot be encoded: %v", err)
		}
		res2, err := inbox.DecodePollResponse(again)
		if err != nil || len(res2.Dropped) > 0 {
			t.Fatalf("a decoded answer, encoded, does not decode whole: %v %v", err, res2.Dropped)
		}
		ids := func(r inbox.PollResponse) (out []string) {
			for _, m := range r.Messages {
				out = append(out, m.DeliveryID)
			}
			return out
		}
		if !slices.Equal(ids(res), ids(res2)) || res.NextPollMs != res2.NextPollMs || res.Tier != res2.Tier {
			t.Fatalf("encoded again, the answer changed: %v %v", ids(res), ids(res2))
		}
	})
}
