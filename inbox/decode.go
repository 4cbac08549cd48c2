package inbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// MaxDataDepth is the deepest a message's data may nest as JSON: its
// trigger data, the person's attributes and its content (an object of
// scalars is depth 1). The runtime drops a message nested deeper, so no
// message's nesting makes decoding or rendering it costly, or takes the
// whole answer past encoding/json's depth limit (10,000) when the leading
// tab passes it on to the others.
const MaxDataDepth = 100

// Errors of a poll answer that cannot be used at all (DecodePollResponse
// prefixes them with "poll answer: ").
var (
	errAnswerNotObject = errors.New("not a JSON object")
	errNoMessages      = errors.New(`no "messages"`)
	errMessagesType    = errors.New(`"messages" is not an array`)
)

// DecodePollResponse decodes a poll body. Each message is decoded on its
// own: one that cannot be (not an object, a field of the wrong type, nested
// deeper than MaxDataDepth, broken JSON inside it) is left out of Messages
// and listed in Dropped, with its delivery id when it has a string one, and
// the others are kept. A next_poll_ms or tier of the wrong type is ignored.
// Only an answer that cannot be used at all is an error: not a JSON
// object, messages missing or not an array (null is none), or not JSON
// around the messages (cut short, something after it, a missing comma).
//
// Numbers in trigger and customer data become int64 when whole (so Liquid
// prints 1234567, not 1.234567e+06) and float64 otherwise; a number no
// float can hold (1e400) is kept as its text.
func DecodePollResponse(body []byte) (PollResponse, error) {
	var res PollResponse
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return PollResponse{}, fmt.Errorf("poll answer: %w", errAnswerNotObject)
	}
	messages := -1 // where the last "messages" member's value starts: it counts, as in encoding/json
	end, err := eachMember(body, i, func(key []byte, at, end int) error {
		switch {
		case keyIs(key, "messages"):
			messages = at
		case keyIs(key, "next_poll_ms"):
			res.NextPollMs = 0
			_ = json.Unmarshal(body[at:end], &res.NextPollMs) // a hint of the wrong type is no hint
		case keyIs(key, "tier"):
			res.Tier = ""
			_ = json.Unmarshal(body[at:end], &res.Tier)
		}
		return nil
	})
	if err == nil && skipSpace(body, end) != len(body) {
		err = syntaxError(skipSpace(body, end), "the end after the answer")
	}
	switch {
	case err != nil:
	case messages < 0:
		err = errNoMessages
	case body[messages] != '[' && !bytes.HasPrefix(body[messages:], []byte("null")):
		err = errMessagesType
	}
	if err != nil {
		return PollResponse{}, fmt.Errorf("poll answer: %w", err)
	}
	if body[messages] == '[' {
		var elems []element
		_, err = eachElement(body, messages, func(raw []byte, depth int) {
			elems = append(elems, element{raw, depth})
		})
		if err != nil { // the scan above only matched the array's brackets
			return PollResponse{}, fmt.Errorf("poll answer: %w", err)
		}
		res.Messages, res.Dropped = decodeMessages(elems)
	}
	return res, nil
}

// element is one raw element of a poll answer's messages, and how deep it nests.
type element struct {
	raw   []byte
	depth int
}

// decodeMessages decodes each element that is a message object nested no
// deeper than MaxDataDepth allows; the others, and those encoding/json
// cannot decode, are dropped. One decoder reads them all, as a stream of
// objects, so the cost per message stays that of encoding/json (a decoder
// for each would cost a KB or so per message); after broken JSON it
// cannot go on, and a new one starts with the next object.
func decodeMessages(elems []element) (msgs []Message, dropped []Problem) {
	var objects [][]byte // the elements the decoder reads
	for _, e := range elems {
		if e.raw[0] == '{' && e.depth <= MaxDataDepth+1 {
			objects = append(objects, e.raw)
		}
	}
	msgs = make([]Message, 0, len(objects))
	var dec *json.Decoder
	for _, e := range elems {
		var err error
		switch {
		case e.raw[0] != '{':
			err = errors.New("message is not a JSON object")
		case e.depth > MaxDataDepth+1:
			err = fmt.Errorf("message data nests deeper than %d levels", MaxDataDepth)
		default:
			if dec == nil {
				dec = json.NewDecoder(&chunks{chunks: objects})
				dec.UseNumber()
			}
			objects = objects[1:]
			msgs = append(msgs, Message{})
			m := &msgs[len(msgs)-1]
			if err = dec.Decode(m); err == nil {
				m.Trigger = numbersIn(m.Trigger).(map[string]any)
				m.Customer = numbersIn(m.Customer).(map[string]any)
				continue
			}
			msgs = msgs[:len(msgs)-1]
			if _, ok := err.(*json.UnmarshalTypeError); !ok {
				dec = nil // broken JSON: the decoder is stuck on it
			}
			err = fmt.Errorf("message cannot be read: %w", err)
		}
		dropped = append(dropped, Problem{DeliveryID: deliveryIDOf(e.raw), Err: err})
	}
	return msgs, dropped
}

// chunks reads the byte slices chunks one after the other (it does not
// change them).
type chunks struct {
	chunks [][]byte
	off    int // in chunks[0]
}

// Read implements io.Reader.
func (c *chunks) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && len(c.chunks) > 0 {
		k := copy(p[n:], c.chunks[0][c.off:])
		n, c.off = n+k, c.off+k
		if c.off == len(c.chunks[0]) {
			c.chunks, c.off = c.chunks[1:], 0
		}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// deliveryIDOf returns the delivery_id of a raw message that could not be
// decoded, when it is an object with a string one ("" otherwise).
func deliveryIDOf(raw []byte) (id string) {
	if raw[0] != '{' {
		return ""
	}
	_, _ = eachMember(raw, 0, func(key []byte, at, end int) error {
		if raw[at] == '"' && keyIs(key, "delivery_id") {
			_ = json.Unmarshal(raw[at:end], &id)
		}
		return nil
	})
	return id
}

// numbersIn replaces every json.Number inside v with a Go number.
func numbersIn(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(string(v), 64); err == nil && !math.IsInf(f, 0) {
			if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
				return int64(f)
			}
			return f
		}
		return string(v)
	case map[string]any:
		for k, x := range v {
			v[k] = numbersIn(x)
		}
	case []any:
		for i, x := range v {
			v[i] = numbersIn(x)
		}
	}
	return v
}
