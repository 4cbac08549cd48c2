package inbox_test

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/render"
)

// benchMessages is the size of the inbox the store benchmarks work on.
const benchMessages = 10_000

// benchInbox returns n inbox messages of three templates (so three cached
// templates render them), half "orders", half "social", every third opened.
func benchInbox(n int) []inbox.Message {
	contents := []json.RawMessage{
		json.RawMessage(`{"title":"Order #{{trigger.order_id}} has shipped!","body":"Hi {{customer.first_name}}, track {{trigger.product_name}} at {{trigger.tracking_url}}"}`),
		json.RawMessage(`{"title":"{{trigger.author}} replied to your comment","body":"{{trigger.excerpt | truncate: 80}}"}`),
		json.RawMessage(`{"title":"Your order {{trigger.order_id}} was delivered","body":"Enjoy, {{customer.first_name | default: \"friend\"}}!"}`),
	}
	customer := map[string]any{"first_name": "Ada"}
	msgs := make([]inbox.Message, n)
	for i := range msgs {
		topic := "orders"
		if i%2 == 1 {
			topic = "social"
		}
		msgs[i] = inbox.Message{
			DeliveryID: fmt.Sprintf("dlv_%08d", i), Channel: inbox.ChannelInbox, Topics: []string{topic},
			Content:  contents[i%len(contents)],
			Customer: customer,
			Trigger: map[string]any{"order_id": fmt.Sprintf("ORD-%d", i), "product_name": "Blue Widget",
				"tracking_url": "https://track.example.com/" + fmt.Sprint(i), "author": "Bo", "excerpt": "Thanks, that helped a lot with the shelf."},
			SentAtMs:    now.UnixMilli() - int64(n-i)*1000,
			ExpiresAtMs: now.UnixMilli() + 1e9,
			Opened:      i%3 == 0,
		}
	}
	return msgs
}

// benchStore returns a store holding benchInbox(benchMessages).
func benchStore(b *testing.B) (*inbox.Store, []inbox.Message) {
	b.Helper()
	msgs := benchInbox(benchMessages)
	s := inbox.NewStore(render.New(), func() time.Time { return now })
	if _, problems := s.Replace(msgs); len(problems) > 0 {
		b.Fatal(problems[0].Err)
	}
	return s, msgs
}

// BenchmarkReplace10k is a poll's answer of 10,000 new messages replacing an
// empty store: each is rendered (three templates, compiled once).
func BenchmarkReplace10k(b *testing.B) {
	msgs := benchInbox(benchMessages)
	r := render.New()
	b.ReportAllocs()
	for b.Loop() {
		s := inbox.NewStore(r, func() time.Time { return now })
		if _, problems := s.Replace(msgs); len(problems) > 0 {
			b.Fatal(problems[0].Err)
		}
	}
}

// BenchmarkReplaceUnchanged10k is the same poll answer again (what a 200 poll
// with no new message costs the store): nothing is rendered.
func BenchmarkReplaceUnchanged10k(b *testing.B) {
	s, msgs := benchStore(b)
	b.ReportAllocs()
	for b.Loop() {
		s.Replace(msgs)
	}
}

// BenchmarkSnapshotTopic10k is one inbox view on a topic ("orders", half
// of 10,000 messages): filter, sort newest first, count.
func BenchmarkSnapshotTopic10k(b *testing.B) {
	s, _ := benchStore(b)
	f := inbox.Filter{Topics: []string{"orders"}}
	b.ReportAllocs()
	for b.Loop() {
		if snap := s.Snapshot(f); snap.Total != benchMessages/2 {
			b.Fatal(snap.Total)
		}
	}
}

// BenchmarkCounts10k is what the bell needs (total and unopened of every
// topic) over 10,000 messages: a Snapshot of all, and Queued.
func BenchmarkCounts10k(b *testing.B) {
	s, _ := benchStore(b)
	b.ReportAllocs()
	for b.Loop() {
		snap := s.Snapshot(inbox.Filter{})
		if snap.Total != benchMessages || snap.Unopened == 0 || s.Queued() != benchMessages {
			b.Fatal(snap.Total, snap.Unopened)
		}
	}
}

// BenchmarkSetOpened10k marks one message of 10,000 opened, then unopened.
func BenchmarkSetOpened10k(b *testing.B) {
	s, msgs := benchStore(b)
	id := msgs[benchMessages/2].DeliveryID
	opened := false
	b.ReportAllocs()
	for b.Loop() {
		opened = !opened
		if _, err := s.SetOpened(id, opened); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHeap10k reports the Go heap in use (after a GC) with a store of
// 10,000 messages, less the heap before it was filled, as heap-bytes.
// The work it times is only the GCs.
func BenchmarkHeap10k(b *testing.B) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, _ := benchStore(b)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(s)
	for b.Loop() {
		runtime.GC()
	}
	b.ReportMetric(float64(after.HeapAlloc)-float64(before.HeapAlloc), "heap-bytes")
	b.ReportMetric(float64(after.HeapAlloc), "heap-total-bytes")
}
