package poller

import (
	"bytes"
	"errors"
	"time"
)

// maxSSELine bounds a line and an event's data the parser keeps: a stream
// that sends more without ending them is broken (a poll answer is far
// smaller; a larger one still reaches the page by the polls).
const maxSSELine = 32 << 20

// errSSETooLong is a line or an event over maxSSELine.
var errSSETooLong = errors.New("stream: an event is over 32 MiB")

// sseEvent is one dispatched Server-Sent Event.
type sseEvent struct {
	// Type is the event field ("message" when absent).
	Type string
	// ID is the last event ID when the event was dispatched.
	ID string
	// Data is the data fields joined with LF.
	Data []byte
}

// sseParser reads a Server-Sent Events stream as its bytes arrive, as the
// HTML standard's "event stream interpretation" says: lines end with CRLF,
// LF or CR (a chunk may end between CR and LF, or in a line), a leading BOM
// is dropped, lines starting with ':' are comments, a blank line dispatches
// the event (none when no data came), and an event cut off by the end of the
// stream is never dispatched.
type sseParser struct {
	line    []byte // the line read so far
	data    []byte
	hasData bool // a data field came (its value may be empty)
	event   string
	id      string
	// retry is the last retry field's value; retrySet once one came.
	retry    time.Duration
	retrySet bool
	skipLF   bool // the last line ended with CR: an LF right after belongs to it
	started  bool // the first line was read (its BOM dropped)
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// feed parses the next bytes of the stream and calls emit with each event
// they complete. It fails when a line or an event grows over maxSSELine.
func (p *sseParser) feed(b []byte, emit func(sseEvent)) error {
	for len(b) > 0 {
		if p.skipLF {
			p.skipLF = false
			if b[0] == '\n' {
				b = b[1:]
				continue
			}
		}
		i := lineEnd(b)
		if i < 0 {
			if len(p.line)+len(b) > maxSSELine {
				return errSSETooLong
			}
			p.line = append(p.line, b...)
			return nil
		}
		line := b[:i]
		if len(p.line) > 0 {
			if len(p.line)+len(line) > maxSSELine {
				return errSSETooLong
			}
			line = append(p.line, line...)
		}
		p.skipLF = b[i] == '\r'
		b = b[i+1:]
		if err := p.lineDone(line, emit); err != nil {
			return err
		}
		p.line = p.line[:0]
	}
	return nil
}

// lineEnd returns the index of the first CR or LF in b, or -1
// (bytes.IndexAny would add some 5 KB to the browser build).
func lineEnd(b []byte) int {
	for i, c := range b {
		if c == '\r' || c == '\n' {
			return i
		}
	}
	return -1
}

// lineDone handles one whole line.
func (p *sseParser) lineDone(line []byte, emit func(sseEvent)) error {
	if !p.started {
		p.started = true
		line = bytes.TrimPrefix(line, utf8BOM)
	}
	if len(line) == 0 {
		p.dispatch(emit)
		return nil
	}
	if line[0] == ':' {
		return nil // a comment (a heartbeat)
	}
	field, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		field, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(field) {
	case "event":
		p.event = string(value)
	case "data":
		if len(p.data)+len(value) >= maxSSELine {
			return errSSETooLong
		}
		if p.hasData {
			p.data = append(p.data, '\n')
		}
		p.data = append(p.data, value...)
		p.hasData = true
	case "id":
		if bytes.IndexByte(value, 0) < 0 {
			p.id = string(value)
		}
	case "retry":
		if ms, ok := digits(value); ok {
			p.retry, p.retrySet = time.Duration(ms)*time.Millisecond, true
		}
	}
	return nil
}

// dispatch ends the event at a blank line.
func (p *sseParser) dispatch(emit func(sseEvent)) {
	if p.hasData {
		e := sseEvent{Type: p.event, ID: p.id, Data: bytes.Clone(p.data)}
		if e.Type == "" {
			e.Type = "message"
		}
		emit(e)
	}
	p.data, p.hasData, p.event = p.data[:0], false, ""
}

// digits reads a retry value: ASCII digits only, capped at MaxRetryAfter's
// milliseconds (a longer wait is no use, and this keeps a Duration from overflowing).
func digits(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = min(n*10+int64(c-'0'), maxRetryMs)
	}
	return n, true
}

// maxRetryMs caps a retry field (24 hours).
const maxRetryMs = int64(24 * time.Hour / time.Millisecond)
