package poller

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parseChunks feeds chunks to a new parser and returns the events and the parser.
func parseChunks(t *testing.T, chunks ...string) ([]sseEvent, *sseParser) {
	t.Helper()
	var p sseParser
	var out []sseEvent
	for _, c := range chunks {
		require.NoError(t, p.feed([]byte(c), func(e sseEvent) { out = append(out, e) }))
	}
	return out, &p
}

func ev(typ, id, data string) sseEvent { return sseEvent{Type: typ, ID: id, Data: []byte(data)} }

func TestSSEProtocolExample(t *testing.T) {
	stream := "retry: 2000\n\nevent: hello\ndata: {\"heartbeat_ms\":15000}\n\n" +
		"event: answer\nid: \"e1\"\ndata: {\"messages\":[]}\n\n: ping\n\n" +
		"event: unchanged\nid: \"e1\"\ndata: {}\n\n"
	got, p := parseChunks(t, stream)
	assert.Equal(t, []sseEvent{
		ev("hello", "", `{"heartbeat_ms":15000}`),
		ev("answer", `"e1"`, `{"messages":[]}`),
		ev("unchanged", `"e1"`, `{}`),
	}, got)
	assert.True(t, p.retrySet)
	assert.Equal(t, 2*time.Second, p.retry)
}

func TestSSEFieldRules(t *testing.T) {
	got, p := parseChunks(t,
		"\xEF\xBB\xBFdata: first\n\n"+ // a leading BOM is dropped
			"data:no space\ndata:  two spaces\ndata\n\n"+ // one space after the colon is dropped; a bare field is empty
			": a comment\nevent: named\nunknown: x\nid: 7\ndata: a\n\n"+
			"data: keeps the last id\n\n"+
			"id: bad\x00id\nevent: e\n\n"+ // no data: no event, and the type is forgotten; an id with NUL is ignored
			"data: b\n\n"+
			"retry: 12x\nretry: 99999999999999999999\nid\ndata: c\n\n")
	assert.Equal(t, []sseEvent{
		ev("message", "", "first"),
		ev("message", "", "no space\n two spaces\n"),
		ev("named", "7", "a"),
		ev("message", "7", "keeps the last id"),
		ev("message", "7", "b"),
		ev("message", "", "c"),
	}, got)
	assert.Equal(t, 24*time.Hour, p.retry, "a huge retry is capped; a non-digit one ignored")
}

func TestSSELineEndings(t *testing.T) {
	for name, stream := range map[string]string{
		"LF":   "event: a\ndata: 1\ndata: 2\n\nevent: b\ndata: 3\n\n",
		"CRLF": "event: a\r\ndata: 1\r\ndata: 2\r\n\r\nevent: b\r\ndata: 3\r\n\r\n",
		"CR":   "event: a\rdata: 1\rdata: 2\r\revent: b\rdata: 3\r\r",
		"mix":  "event: a\r\ndata: 1\rdata: 2\n\r\nevent: b\rdata: 3\n\r",
	} {
		t.Run(name, func(t *testing.T) {
			want := []sseEvent{ev("a", "", "1\n2"), ev("b", "", "3")}
			got, _ := parseChunks(t, stream)
			assert.Equal(t, want, got)
			for i := range len(stream) + 1 { // every split in two
				got, _ = parseChunks(t, stream[:i], stream[i:])
				assert.Equal(t, want, got, "split at %d", i)
			}
			chunks := strings.Split(stream, "") // one byte at a time
			got, _ = parseChunks(t, chunks...)
			assert.Equal(t, want, got, "byte by byte")
		})
	}
}

func TestSSEBOMSplitAndOnlyAtTheStart(t *testing.T) {
	got, _ := parseChunks(t, "\xEF", "\xBB", "\xBFdata: x\n\n\xEF\xBB\xBFdata: y\n\n")
	assert.Equal(t, []sseEvent{ev("message", "", "x")}, got, "a BOM later is part of the field name: an unknown field")
}

func TestSSECutOffEventNotDispatched(t *testing.T) {
	got, _ := parseChunks(t, "data: whole\n\ndata: cut", " off\n")
	assert.Equal(t, []sseEvent{ev("message", "", "whole")}, got)
}

func TestSSETooLong(t *testing.T) {
	var p sseParser
	big := bytes.Repeat([]byte("x"), maxSSELine/2)
	emit := func(sseEvent) { t.Fatal("no event expected") }
	require.NoError(t, p.feed([]byte("data: "), emit))
	require.NoError(t, p.feed(big, emit))
	assert.ErrorIs(t, p.feed(big, emit), errSSETooLong, "an endless line")

	p = sseParser{}
	line := append(append([]byte("data: "), big...), '\n')
	require.NoError(t, p.feed(line, emit))
	assert.ErrorIs(t, p.feed(line, emit), errSSETooLong, "an endless event")
}

// FuzzSSE checks that however a stream is cut into chunks, the parser
// finds the same events, and that it never fails on short input.
func FuzzSSE(f *testing.F) {
	f.Add([]byte("event: hello\ndata: {}\n\n: ping\r\nid: 1\rdata: a\r\n\r\n"), uint8(3))
	f.Add([]byte("\xEF\xBB\xBFretry: 10\ndata\n\n\r\r\n\n"), uint8(1))
	f.Fuzz(func(t *testing.T, stream []byte, every uint8) {
		var whole, split []sseEvent
		var p, q sseParser
		require.NoError(t, p.feed(stream, func(e sseEvent) { whole = append(whole, e) }))
		n := int(every)%7 + 1
		for i := 0; i < len(stream); i += n {
			require.NoError(t, q.feed(stream[i:min(i+n, len(stream))], func(e sseEvent) { split = append(split, e) }))
		}
		require.Equal(t, len(whole), len(split))
		for i := range whole {
			assert.Equal(t, whole[i].Type, split[i].Type)
			assert.Equal(t, whole[i].ID, split[i].ID)
			assert.True(t, bytes.Equal(whole[i].Data, split[i].Data))
			assert.NotContains(t, whole[i].Type, "\n")
			assert.NotContains(t, whole[i].ID, "\r")
		}
		assert.Equal(t, p.retry, q.retry)
	})
}
