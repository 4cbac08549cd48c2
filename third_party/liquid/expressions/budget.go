package expressions

import (
	"fmt"
	"reflect"
	"time"
)

// (Roost addition.) A Budget bounds the work and the memory of rendering:
// the loop iterations, the length of a range, the bytes written (output and
// captured text alike) and made by filters, and the time. One Budget may be
// shared by several renderings, which then spend it together. A nil *Budget
// is no limit. A Budget is not safe for concurrent use.
type Budget struct {
	// MaxIterations bounds the loop iterations ({% for %}, {% tablerow %})
	// of all loops together, and the length of any range (a..b); 0 is no limit.
	MaxIterations int
	// MaxBytes bounds the bytes written, captured text included, plus the
	// bytes of the values filters return (a string's length, 16 bytes an
	// item of an array); 0 is no limit.
	MaxBytes int
	// Deadline is when rendering stops, checked at every loop iteration and
	// filter and every 16th node; the zero time is no limit.
	Deadline time.Time
	// Timeout, when Deadline is zero, sets Deadline to Timeout after the
	// first time the budget checks it. A rendering with no loop, no filter
	// and fewer than 16 nodes then never reads the clock (slow in
	// WebAssembly); the work before the first check, which is not counted,
	// is no more than the work between two checks. 0 is no limit.
	Timeout time.Duration

	iterations, bytes, ticks int
}

// LimitError is the error of a rendering that runs over its Budget.
type LimitError struct {
	// Limit says which limit, for example "10000 loop iterations".
	Limit string
}

func (e *LimitError) Error() string {
	return "render budget exceeded: more than " + e.Limit
}

// Iterate spends one loop iteration.
func (b *Budget) Iterate() error {
	if b == nil {
		return nil
	}
	b.iterations++
	if b.MaxIterations > 0 && b.iterations > b.MaxIterations {
		return &LimitError{fmt.Sprintf("%d loop iterations", b.MaxIterations)}
	}
	return b.checkTime()
}

// Range checks the length n of a range.
func (b *Budget) Range(n int) error {
	if b == nil || b.MaxIterations <= 0 || n <= b.MaxIterations {
		return nil
	}
	return &LimitError{fmt.Sprintf("%d loop iterations (a range of %d values)", b.MaxIterations, n)}
}

// Spend spends n bytes.
func (b *Budget) Spend(n int) error {
	if b == nil {
		return nil
	}
	b.bytes += n
	if b.MaxBytes > 0 && b.bytes > b.MaxBytes {
		return &LimitError{fmt.Sprintf("%d bytes of output and text", b.MaxBytes)}
	}
	return nil
}

// Check checks the deadline.
func (b *Budget) Check() error {
	if b == nil {
		return nil
	}
	return b.checkTime()
}

// Tick checks the deadline every 16th call.
func (b *Budget) Tick() error {
	if b == nil {
		return nil
	}
	b.ticks++
	if b.ticks%16 != 0 {
		return nil
	}
	return b.checkTime()
}

func (b *Budget) checkTime() error {
	if b.Deadline.IsZero() {
		if b.Timeout > 0 {
			b.Deadline = time.Now().Add(b.Timeout)
		}
		return nil
	}
	if time.Now().After(b.Deadline) {
		return &LimitError{"its time"}
	}
	return nil
}

// spendValue spends the size of a filter's result v.
func (b *Budget) spendValue(v any) error {
	if b == nil {
		return nil
	}
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return b.Spend(len(v))
	case []byte:
		return b.Spend(len(v))
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Array, reflect.Slice, reflect.Map:
		return b.Spend(16 * rv.Len())
	}
	return nil
}
