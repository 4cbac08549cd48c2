package inbox_test

import (
	"testing"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/render"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodePollResponseNumbers(t *testing.T) {
	res, err := inbox.DecodePollResponse([]byte(`{"messages":[{"delivery_id":"d1","channel":"inbox","content":{"title":"{{trigger.n}} {{trigger.f}} {{trigger.huge}} {{customer.age}} {{trigger.list[0]}}"},
		"trigger":{"n":1234567,"f":2.5,"huge":1e400,"list":[3e0]},"customer":{"age":42},"sent_at_ms":1}],"next_poll_ms":10000}`))
	require.NoError(t, err, "a number no float holds does not make the answer unreadable")
	s := inbox.NewStore(render.New(), func() time.Time { return now })
	_, problems := s.Replace(res.Messages)
	require.Empty(t, problems)
	assert.JSONEq(t, `{"title":"1234567 2.5 1e400 42 3"}`, string(s.Snapshot(inbox.Filter{}).Messages[0].Properties))
}

func TestDecodePollResponseBadBody(t *testing.T) {
	for _, body := range []string{``, `{`, `[]`, `{"messages":{}}`, `{"messages":[{"trigger":[]}]}`} {
		_, err := inbox.DecodePollResponse([]byte(body))
		assert.Error(t, err, body)
	}
}
