package render

import (
	"bytes"
	"io"
	"strings"
	"unicode"

	"github.com/osteele/liquid/expressions"
)

// A trimWriter provides whitespace control around a wrapped io.Writer.
// The caller should call TrimLeft(bool) and TrimRight(bool) respectively
// before and after processing a tag or expression, and Flush() at completion.
type trimWriter struct {
	w      io.Writer
	buf    bytes.Buffer
	trim   bool
	budget *expressions.Budget // Roost: every byte written is spent; nil is no limit
	// Roost: when w is a *bytes.Buffer, out is w and writes go straight
	// into it, buf unused: out's bytes from pending on are what buf would
	// hold, the bytes before them what would have been flushed.
	out     *bytes.Buffer
	pending int
}

// newTrimWriter returns a trimWriter that writes to w and spends b (Roost
// addition).
func newTrimWriter(w io.Writer, b *expressions.Budget) *trimWriter {
	tw := &trimWriter{}
	tw.init(w, b)
	return tw
}

// init makes tw, new or used, write to w and spend b.
func (tw *trimWriter) init(w io.Writer, b *expressions.Budget) {
	tw.w, tw.budget, tw.trim = w, b, false
	tw.buf.Reset()
	tw.out, tw.pending = nil, 0
	if out, ok := w.(*bytes.Buffer); ok {
		tw.out, tw.pending = out, out.Len()
	}
}

// Write writes b to the current buffer. If the trim flag is set,
// a prefix whitespace trim on b is performed before writing it to
// the buffer and the trim flag is unset. If the trim flag was not
// set, the current buffer is flushed before b is written.
// Write only returns the bytes written to w during a flush.
func (tw *trimWriter) Write(b []byte) (n int, err error) {
	if err := tw.budget.Spend(len(b)); err != nil {
		return 0, err
	}
	if tw.trim {
		b = bytes.TrimLeftFunc(b, unicode.IsSpace)
		tw.trim = false
	} else if n, err = tw.Flush(); err != nil {
		return n, err
	}
	if tw.out != nil {
		tw.out.Write(b)
		return
	}
	_, err = tw.buf.Write(b)
	return
}

// WriteString is Write of a string, without copying s to a []byte first
// (Roost addition: io.WriteString did).
func (tw *trimWriter) WriteString(s string) (n int, err error) {
	if err := tw.budget.Spend(len(s)); err != nil {
		return 0, err
	}
	if tw.trim {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		tw.trim = false
	} else if n, err = tw.Flush(); err != nil {
		return n, err
	}
	if tw.out != nil {
		tw.out.WriteString(s)
		return
	}
	_, err = tw.buf.WriteString(s)
	return
}

// TrimLeft trims all whitespaces before the trim node, i.e. the whitespace
// suffix of the current buffer. It then writes the current buffer to w and
// resets the buffer.
func (tw *trimWriter) TrimLeft() error {
	if tw.out != nil {
		kept := bytes.TrimRightFunc(tw.out.Bytes()[tw.pending:], unicode.IsSpace)
		tw.out.Truncate(tw.pending + len(kept))
		tw.pending = tw.out.Len()
		return nil
	}
	_, err := tw.w.Write(bytes.TrimRightFunc(tw.buf.Bytes(), unicode.IsSpace))
	tw.buf.Reset()
	return err
}

// TrimRight sets the trim flag on the trimWriter. This will cause a prefix
// whitespace trim on any subsequent write.
func (tw *trimWriter) TrimRight() {
	tw.trim = true
}

// Flush flushes the current buffer into w.
func (tw *trimWriter) Flush() (int, error) {
	if tw.out != nil {
		n := tw.out.Len() - tw.pending
		tw.pending = tw.out.Len()
		return n, nil
	}
	if tw.buf.Len() > 0 {
		n, err := tw.buf.WriteTo(tw.w)
		tw.buf.Reset()
		return int(n), err
	}
	return 0, nil
}
