package inbox_test

import (
	"fmt"
	"slices"
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

// TestHostilePollAnswers feeds the corpus to the decoder and the store, as
// a poll answer does: only an unusable envelope rejects the whole answer;
// otherwise a message that cannot be decoded, or shown, is reported and the
// others are shown.
func TestHostilePollAnswers(t *testing.T) {
	for _, c := range hostileAnswers() {
		t.Run(c.name, func(t *testing.T) {
			shown, reported, err := outcome([]byte(c.body))
			if c.rejected {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "poll answer", "the error says what was wrong")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.shown, shown, "shown")
			assert.Equal(t, c.reported, reported, "reported")
		})
	}
}

// outcome decodes a poll answer into a new store and returns the delivery
// ids it shows and those it reports.
func outcome(body []byte) (shown, reported []string, err error) {
	res, err := inbox.DecodePollResponse(body)
	if err != nil {
		return nil, nil, err
	}
	s := inbox.NewStore(render.New(), func() time.Time { return now })
	problems := s.Reject(res.Dropped)
	_, more := s.Replace(res.Messages)
	for _, p := range append(problems, more...) {
		if p.Err == nil || p.Err.Error() == "" {
			return nil, nil, fmt.Errorf("message %q reported without a reason", p.DeliveryID)
		}
		reported = append(reported, p.DeliveryID)
	}
	for _, m := range res.Messages {
		if s.Has(m.DeliveryID) && !slices.Contains(shown, m.DeliveryID) {
			shown = append(shown, m.DeliveryID)
		}
	}
	return shown, reported, nil
}

func TestDecodeErrorsSayWhy(t *testing.T) {
	for body, want := range map[string]string{
		`[]`:                            "poll answer: not a JSON object",
		`{"next_poll_ms":1}`:            `poll answer: no "messages"`,
		`{"messages":{}}`:               `poll answer: "messages" is not an array`,
		`{"messages":[{"a":"b`:          "poll answer: unexpected end of JSON",
		`{"messages":[] x}`:             "poll answer: invalid JSON at byte 15",
		`{"messages":[{"a":1}{"a":2}]}`: "poll answer: invalid JSON at byte 20: want ',' or ']'",
	} {
		_, err := inbox.DecodePollResponse([]byte(body))
		require.Error(t, err, body)
		assert.Contains(t, err.Error(), want, body)
	}
	res, err := inbox.DecodePollResponse([]byte(`{"messages":[{"delivery_id":"d1","trigger":[]},{"delivery_id":"d2","trigger":{"a":` + nested(200) + `}},7]}`))
	require.NoError(t, err)
	require.Len(t, res.Dropped, 3)
	assert.Contains(t, res.Dropped[0].Err.Error(), "message cannot be read: json: cannot unmarshal array")
	assert.Equal(t, "message data nests deeper than 100 levels", res.Dropped[1].Err.Error())
	assert.Equal(t, "message is not a JSON object", res.Dropped[2].Err.Error())
}

// TestDecodeKeepsTheHints: a well-formed answer's next_poll_ms and tier are
// read; of the wrong type, they are ignored.
func TestDecodeKeepsTheHints(t *testing.T) {
	res, err := inbox.DecodePollResponse([]byte(` {"tier":"low","messages":[],"next_poll_ms":2500} `))
	require.NoError(t, err)
	assert.Equal(t, int64(2500), res.NextPollMs)
	assert.Equal(t, "low", res.Tier)
	assert.Empty(t, res.Messages)
	res, err = inbox.DecodePollResponse([]byte(`{"tier":"low","tier":5,"messages":[],"next_poll_ms":2500,"next_poll_ms":2.5}`))
	require.NoError(t, err)
	assert.Zero(t, res.NextPollMs)
	assert.Empty(t, res.Tier)
}
