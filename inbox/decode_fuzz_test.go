package inbox_test

import (
	"encoding/json"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/roostmsg/roost/inbox"
)

// The budgets of one decode in FuzzDecodePollResponse: a fixed part (which
// also absorbs a loaded machine's pauses) and a part per byte of the body.
// Decoding runs at some 30 MB/s (33 ns a byte), and allocates 5 to 15 bytes
// per byte of real answers, up to some 180 for hostile ones made of tiny
// or broken messages (each costs a Message, or a new decoder, of a few
// hundred bytes): the budgets only catch what grows faster than the body.
const (
	fuzzTimeBase    = time.Second
	fuzzTimePerByte = time.Microsecond
	fuzzAllocBase   = 1 << 20
	fuzzAllocByte   = 256
)

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
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		res, err := inbox.DecodePollResponse(body)
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if budget := fuzzTimeBase + time.Duration(len(body))*fuzzTimePerByte; took > budget {
			t.Errorf("decoding %d bytes took %v, over %v", len(body), took, budget)
		}
		if alloc, budget := after.TotalAlloc-before.TotalAlloc, uint64(fuzzAllocBase+fuzzAllocByte*len(body)); alloc > budget {
			t.Errorf("decoding %d bytes allocated %d bytes, over %d", len(body), alloc, budget)
		}
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
