package storecols

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeJSON_NumbersExact(t *testing.T) {
	const in = `{"big":12345678901234567890,"frac":0.1000000000000000055511151231257827,"exp":1e400,"neg":-0}`
	var v map[string]any
	require.NoError(t, DecodeJSON(in, &v))
	assert.Equal(t, json.Number("12345678901234567890"), v["big"])
	assert.Equal(t, json.Number("0.1000000000000000055511151231257827"), v["frac"])
	assert.Equal(t, json.Number("1e400"), v["exp"])
	out, err := EncodeJSON(v)
	require.NoError(t, err)
	// keys in order, every number as it was written
	assert.Equal(t, `{"big":12345678901234567890,"exp":1e400,"frac":0.1000000000000000055511151231257827,"neg":-0}`, out)
}

func TestDecodeJSON_Invalid(t *testing.T) {
	var v map[string]any
	err := DecodeJSON(`{"a":`, &v)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "decode stored json")
}

func TestEncodeJSON_Unsupported(t *testing.T) {
	_, err := EncodeJSON(map[string]any{"c": make(chan int)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "encode json")
}

func TestCompactJSON(t *testing.T) {
	s, err := CompactJSON(json.RawMessage(" { \"a\" : [ 1 , 2.50 ] ,\n \"b\": \"x y\" } "))
	require.NoError(t, err)
	assert.Equal(t, `{"a":[1,2.50],"b":"x y"}`, s)
	_, err = CompactJSON(json.RawMessage(`{"a"`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "compact json")
}

func TestMillis(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 891_999_999, time.FixedZone("x", 3600))
	ms := Millis(at)
	assert.Equal(t, at.UnixMilli(), ms)
	back := FromMillis(ms)
	assert.Equal(t, time.UTC, back.Location())
	assert.True(t, back.Equal(at.Truncate(time.Millisecond)), back)

	assert.Nil(t, NullMillis(time.Time{}))
	require.NotNil(t, NullMillis(at))
	assert.Equal(t, ms, *NullMillis(at))
	assert.True(t, FromNullMillis(nil).IsZero())
	assert.Equal(t, back, FromNullMillis(&ms))
	// the unix epoch is a time like any other, not NULL
	epoch := time.Unix(0, 0)
	require.NotNil(t, NullMillis(epoch))
	assert.Equal(t, int64(0), *NullMillis(epoch))
}
