package render_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

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

// worstCases are messages that spend (nearly) all of one limit of the render
// budget without going over it: what a template can make the runtime do.
var worstCases = []struct {
	name     string
	src      string
	customer map[string]any
}{
	// MaxLoopIterations iterations of a loop over data.
	{"Iterations", `{% for i in (1..customer.n) %}x{% endfor %}`, map[string]any{"n": render.MaxLoopIterations}},
	// Nearly MaxRenderBytes of output, in MaxLoopIterations pieces.
	{"Output", `{% for i in (1..customer.n) %}` + strings.Repeat("x", render.MaxRenderBytes/render.MaxLoopIterations-1) + `{% endfor %}`, map[string]any{"n": render.MaxLoopIterations}},
	// A string doubled up to a quarter of MaxRenderBytes (the strings made add up to half).
	{"Doubling", `{% assign s = "ab" %}` + strings.Repeat(`{% assign s = s | append: s %}`, 15) + `{{ s | size }}`, nil},
	// A slow body that writes nothing: MaxLoopIterations iterations of 300
	// filters, stopped by MaxRenderTime.
	{"Time", `{% for i in (1..customer.n) %}` + strings.Repeat(`{% assign x = i | plus: 1 %}`, 300) + `{% endfor %}`, map[string]any{"n": render.MaxLoopIterations}},
}

// BenchmarkWorstCase renders each of worstCases: what one message can make
// the runtime do within the iterations and bytes (with all the time it
// needs), and the Time case, which MaxRenderTime stops. Under GOOS=js
// GOARCH=wasm it is the runtime's figure.
func BenchmarkWorstCase(b *testing.B) {
	for _, wc := range worstCases {
		b.Run(wc.name, func(b *testing.B) {
			r := render.New()
			if wc.name != "Time" {
				r.SetRenderTime(time.Hour) // the cost of the work itself, however slow the machine
			}
			content, _ := json.Marshal(map[string]string{"body": wc.src})
			b.ReportAllocs()
			for b.Loop() {
				_, err := r.Content(content, wc.customer, nil)
				if err != nil && (wc.name != "Time" || !strings.Contains(err.Error(), "its time")) {
					b.Fatal(err)
				}
			}
		})
	}
}
