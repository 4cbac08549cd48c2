package storecols

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// EncodeJSON returns v as JSON text for a text column.
func EncodeJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}

// DecodeJSON decodes the JSON text of a column into v, numbers as
// json.Number so that they come back exactly as they were sent.
func DecodeJSON(s string, v any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode stored json: %w", err)
	}
	return nil
}

// CompactJSON returns raw JSON without insignificant space.
func CompactJSON(raw json.RawMessage) (string, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "", fmt.Errorf("compact json: %w", err)
	}
	return buf.String(), nil
}

// encodeList returns s as a JSON array, [] for nil.
func encodeList(s []string) (string, error) {
	if s == nil {
		s = []string{}
	}
	return EncodeJSON(s)
}

// decodeTopics decodes a JSON array column of topics; no topics are nil.
func decodeTopics(s string) ([]string, error) {
	var list []string
	if err := DecodeJSON(s, &list); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list, nil
}
