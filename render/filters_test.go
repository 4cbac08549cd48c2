package render_test

import (
	"encoding/json"
	"testing"

	"github.com/roostmsg/roost/render"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDateFilter(t *testing.T) {
	r := render.New()
	trigger := map[string]any{
		"shipped_at": int64(1763800000), // 2025-11-22 08:26:40 UTC, as unix seconds
		"shipped_ms": int64(1763800000123),
		"float":      1763800000.5,
		"digits":     "1763800000",
		"iso":        "2026-03-01T10:30:00Z",
		"day":        "2026-03-01",
		"word":       "soon",
	}
	for src, want := range map[string]string{
		`{{ trigger.shipped_at | date: "%B %d, %Y %H:%M" }}`:   "November 22, 2025 08:26",
		`{{ trigger.shipped_at | date }}`:                      "Sat, Nov 22, 25",
		`{{ trigger.shipped_ms | date: "%Y-%m-%d %H:%M:%S" }}`: "2025-11-22 08:26:40",
		`{{ trigger.float | date: "%H:%M:%S" }}`:               "08:26:40",
		`{{ trigger.digits | date: "%d/%m/%Y" }}`:              "22/11/2025",
		`{{ trigger.iso | date: "%b %d, %H:%M" }}`:             "Mar 01, 10:30",
		`{{ trigger.day | date: "%A" }}`:                       "Sunday",
		`{{ 0 | date: "%Y" }}`:                                 "1970",
		`{{ trigger.word | date: "%Y" }}`:                      "soon", // not a date: given back as it is
		`[{{ trigger.missing | date: "%Y" }}]`:                 "[]",   // unset: nothing
	} {
		content, _ := json.Marshal(map[string]string{"x": src})
		out, err := r.Content(content, nil, trigger)
		require.NoError(t, err, src)
		var got map[string]string
		require.NoError(t, json.Unmarshal(out, &got))
		assert.Equal(t, want, got["x"], src)
	}
	require.NoError(t, r.Check(`{{ trigger.shipped_at | date: "%Y" }}`), "the check knows the filter")
}
