package inbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// MaxDataDepth is the deepest a message's data may nest as JSON: its
// trigger data, the person's attributes and its content (an object of
// scalars is depth 1). The runtime drops a message nested deeper, so no
// message can make decoding or rendering costly or, in the whole answer,
// reach encoding/json's depth limit.
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
// Only an answer that is not a JSON object, or whose messages are missing
// or not an array (null is none), or that is cut short, is an error.
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
		_, err = eachElement(body, messages, func(raw []byte, depth int) {
			m, err := decodeMessage(raw, depth)
			if err != nil {
				res.Dropped = append(res.Dropped, Problem{DeliveryID: deliveryIDOf(raw), Err: err})
				return
			}
			res.Messages = append(res.Messages, m)
		})
		if err != nil { // the scan above only matched the array's brackets
			return PollResponse{}, fmt.Errorf("poll answer: %w", err)
		}
	}
	return res, nil
}

// decodeMessage decodes one element of a poll answer's messages, which
// nests depth deep.
func decodeMessage(raw []byte, depth int) (Message, error) {
	var m Message
	if raw[0] != '{' {
		return m, errors.New("message is not a JSON object")
	}
	if depth > MaxDataDepth+1 {
		return m, fmt.Errorf("message data nests deeper than %d levels", MaxDataDepth)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return Message{}, fmt.Errorf("message cannot be read: %w", err)
	}
	m.Trigger = numbersIn(m.Trigger).(map[string]any)
	m.Customer = numbersIn(m.Customer).(map[string]any)
	return m, nil
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
