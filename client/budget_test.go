package client_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/render"
)

// A message whose data takes its template over the render budget (a loop
// over a range from the data; a string doubled from the data) is reported
// as a message-error with its delivery id, at once; every other message
// still shows and polling goes on.
func TestRenderBudgetOverrunReportedOthersShown(t *testing.T) {
	loop := message("loop", "orders", `"{% for i in (1..customer.n) %}x{% endfor %}"`)
	loop.Customer = map[string]any{"n": 100_000_000} // 23 minutes of rendering in wasm without a budget
	doubling := message("doubling", "orders", `"{% assign s = trigger.s %}`+strings.Repeat(`{% assign s = s | append: s %}`, 30)+`"`)
	doubling.Trigger = map[string]any{"s": "ab"} // 2 GB without a budget
	rt, h := newRuntime(t, message("good", "orders", `"Fine"`), loop, doubling)
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)

	errs := map[string]string{}
	for range 2 {
		m := h.next(t, 1, func(m map[string]any) bool { return m["op"] == "emit" && m["name"] == "message-error" })
		data := m["data"].(map[string]any)
		errs[data["deliveryId"].(string)] = data["error"].(string)
	}
	require.Contains(t, errs, "loop")
	require.Contains(t, errs, "doubling")
	assert.Contains(t, errs["loop"], fmt.Sprintf("render budget exceeded: more than %d loop iterations", render.MaxLoopIterations))
	assert.Contains(t, errs["doubling"], fmt.Sprintf("render budget exceeded: more than %d bytes", render.MaxRenderBytes))
	h.next(t, 1, snapshotWith(1, 1)) // the good message shows
	h.server.waitPolls(t, "user_123", 2)
}
