package inbox

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
)

// DecodePollResponse decodes a poll body. Numbers in trigger and customer data
// become int64 when whole (so Liquid prints 1234567, not 1.234567e+06) and
// float64 otherwise; a number no float can hold (1e400) is kept as its text,
// so one odd value never makes the whole answer unreadable.
func DecodePollResponse(body []byte) (PollResponse, error) {
	var res PollResponse
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&res); err != nil {
		return PollResponse{}, err
	}
	for i := range res.Messages {
		m := &res.Messages[i]
		m.Trigger = numbersIn(m.Trigger).(map[string]any)
		m.Customer = numbersIn(m.Customer).(map[string]any)
	}
	return res, nil
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
