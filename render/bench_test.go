package render_test

import (
	"testing"

	"github.com/roostmsg/roost/render"
)

// BenchmarkContentCached renders the seed's order_shipped content with its
// templates already compiled (the cache is warm), as the runtime does for
// every new message after the first of a template. `make bench` runs it
// natively and under GOOS=js GOARCH=wasm.
func BenchmarkContentCached(b *testing.B) {
	r := render.New()
	customer := map[string]any{"first_name": "Ada"}
	trigger := map[string]any{"order_id": "ORD-5678", "tracking_url": "https://track.example.com/5678", "product_name": "Blue Widget"}
	if _, err := r.Content(orderShipped, customer, trigger); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Content(orderShipped, customer, trigger); err != nil {
			b.Fatal(err)
		}
	}
}
