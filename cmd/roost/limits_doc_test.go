package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/client"
	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/render"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/httpapi"
	"github.com/roostmsg/roost/server/service"
)

// thousands writes n with a comma between groups of three digits, as the
// docs write numbers.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// documentedLimits are the constants docs/protocol.md's Limits table
// names, each with the text its value cell must hold.
var documentedLimits = map[string]string{
	"httpapi.MaxSendBody":            thousands(httpapi.MaxSendBody) + " bytes",
	"httpapi.MaxEventsBody":          thousands(httpapi.MaxEventsBody) + " bytes",
	"server.MaxJSONDepth":            fmt.Sprintf("%d levels", server.MaxJSONDepth),
	"server.MaxPersonIDLen":          fmt.Sprintf("%d bytes", server.MaxPersonIDLen),
	"server.MaxNameLen":              fmt.Sprintf("%d bytes", server.MaxNameLen),
	"server.MaxDescriptionLen":       thousands(server.MaxDescriptionLen) + " bytes",
	"server.MaxExpiresAfterDays":     "0 to " + thousands(server.MaxExpiresAfterDays),
	"server.MaxContentBytes":         thousands(server.MaxContentBytes) + " bytes",
	"render.MaxLoopIterations":       thousands(render.MaxLoopIterations),
	"render.MaxRenderBytes":          thousands(render.MaxRenderBytes) + " bytes",
	"render.MaxRenderTime":           fmt.Sprintf("%d ms", render.MaxRenderTime.Milliseconds()),
	"server.MaxSendAhead":            fmt.Sprintf("%d days", server.MaxSendAhead/(24*time.Hour)),
	"server.MaxDraftsLimit":          fmt.Sprintf("%d by default, at most %s", server.DefaultDraftsLimit, thousands(server.MaxDraftsLimit)),
	"httpapi.MaxKeyFailures":         fmt.Sprintf("%d a minute", httpapi.MaxKeyFailures),
	"httpapi.MaxSignatureFailures":   fmt.Sprintf("%d a minute", httpapi.MaxSignatureFailures),
	"httpapi.MaxFailingAddresses":    thousands(httpapi.MaxFailingAddresses),
	"server.MaxIdentityTokenAhead":   fmt.Sprintf("%d days", server.MaxIdentityTokenAhead/(24*time.Hour)),
	"inbox.MaxEventsPerBatch":        fmt.Sprint(inbox.MaxEventsPerBatch),
	"server.EventsPerSecond":         fmt.Sprintf("%d a second", server.EventsPerSecond),
	"server.EventsBurst":             thousands(server.EventsBurst) + " at once",
	"server.MaxEventIDLen":           fmt.Sprintf("%d bytes", server.MaxEventIDLen),
	"server.MaxActionLen":            fmt.Sprintf("%d bytes", server.MaxActionLen),
	"server.MaxIdentifyKeys":         fmt.Sprintf("%d keys", server.MaxIdentifyKeys),
	"server.MaxAttributeKeyLen":      fmt.Sprintf("at most %d bytes", server.MaxAttributeKeyLen),
	"inbox.MaxIdentifyJSON":          thousands(inbox.MaxIdentifyJSON) + " bytes",
	"server.MaxPersonAttributesJSON": thousands(server.MaxPersonAttributesJSON) + " bytes",
	"server.MaxClicksPerDelivery":    fmt.Sprintf("the first %d", server.MaxClicksPerDelivery),
	"server.EventIDRetention":        fmt.Sprintf("%d days", server.EventIDRetention/(24*time.Hour)),
	"inbox.MaxDataDepth":             fmt.Sprintf("%d levels", inbox.MaxDataDepth),
	"client.MaxStoredEvents":         thousands(client.MaxStoredEvents),
	"client.MaxTabLockName":          fmt.Sprintf("%d bytes", client.MaxTabLockName),
	"client.MaxMarkBatch":            thousands(client.MaxMarkBatch),
	"client.MaxRetryAfter":           fmt.Sprintf("%d hours", client.MaxRetryAfter/time.Hour),
}

// TestProtocolDocLimits: docs/protocol.md's Limits table gives the value
// of every limit constant it names, names each of documentedLimits, and
// names only serve flags that exist.
func TestProtocolDocLimits(t *testing.T) {
	require.Equal(t, time.Minute, httpapi.AuthFailureWindow, "the table says failed authentications are counted a minute")
	b, err := os.ReadFile("../../docs/protocol.md")
	require.NoError(t, err)
	_, section, found := strings.Cut(string(b), "\n## Limits\n")
	require.True(t, found, "docs/protocol.md has a section \"## Limits\"")
	section, _, _ = strings.Cut(section, "\n## ")

	flags := flag.NewFlagSet("serve", flag.ContinueOnError)
	service.BindFlags(flags)
	names := regexp.MustCompile("`([a-z]+\\.[A-Z][A-Za-z]+)`")
	flagNames := regexp.MustCompile("`-([a-z-]+)`")
	seen := map[string]bool{}
	rows := 0
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, " | ")
		if !strings.HasPrefix(line, "| ") || len(cells) != 4 || strings.HasPrefix(line, "| limit ") {
			continue
		}
		rows++
		value, setting := cells[1], cells[2]
		for _, m := range names.FindAllStringSubmatch(setting, -1) {
			want, ok := documentedLimits[m[1]]
			if assert.True(t, ok, "the row %q names %s, which the test does not know", cells[0], m[1]) {
				assert.Contains(t, value, want, "the row of %s gives its value", m[1])
				seen[m[1]] = true
			}
		}
		for _, m := range flagNames.FindAllStringSubmatch(setting, -1) {
			assert.NotNil(t, flags.Lookup(m[1]), "the row %q names -%s, which roost serve does not have", cells[0], m[1])
		}
	}
	assert.Greater(t, rows, 20, "the Limits table's rows were read")
	for name := range documentedLimits {
		assert.True(t, seen[name], "the Limits table has no row naming %s", name)
	}
}
