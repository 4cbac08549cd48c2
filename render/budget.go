package render

import (
	"errors"
	"fmt"
	"time"

	"github.com/osteele/liquid/expressions"
	"github.com/osteele/liquid/parser"
)

// The render budget: what rendering one message (every field of its
// content together) may spend, in the runtime and in the server's save
// check. A real message spends a small part of it; a template that runs
// over it is refused at save when it does so with any data (Check), and a
// message whose data makes it run over is a message-error in the runtime.
const (
	// MaxLoopIterations bounds the loop iterations ({% for %},
	// {% tablerow %}) of a message, all loops together; a range (a..b)
	// longer than it is an error too.
	MaxLoopIterations = 2_000
	// MaxRenderBytes bounds the bytes a message's rendering writes (output
	// and captured text alike) plus the bytes of the values its filters
	// make (a string's length, 16 bytes an array item): with the next, it
	// bounds the memory of assigned and captured strings.
	MaxRenderBytes = 256 << 10
	// MaxRenderTime bounds the time of a message's rendering, in the runtime
	// and in the save check's trial rendering with empty data. The native
	// server is some 5 to 10 times faster than the runtime's WebAssembly, so
	// the check refuses only templates far over it; time depends on the
	// machine (and its load), the other limits do not.
	MaxRenderTime = 250 * time.Millisecond
)

// budget returns a fresh budget of d for one message.
func budget(d time.Duration) expressions.Budget {
	return expressions.Budget{
		MaxIterations: MaxLoopIterations,
		MaxBytes:      MaxRenderBytes,
		// The clock starts at the budget's first check of the time (the
		// first loop iteration or filter, or 16th node): a small message
		// never reads it, which is slow in WebAssembly.
		Timeout: d,
	}
}

// overBudget reports whether err is a rendering stopped by its budget.
func overBudget(err error) bool {
	var le *expressions.LimitError
	return errors.As(err, &le)
}

// errResultTooLong is a filter's refusal to make a string over MaxRenderBytes.
func errResultTooLong(filter string, n int) error {
	return &expressions.LimitError{Limit: fmt.Sprintf("%d bytes of output and text (%s would make %d)", MaxRenderBytes, filter, n)}
}

// OverBudget reports whether e is a rendering (or, for Check, a template)
// that runs over the render budget.
func (e *Error) OverBudget() bool { return overBudget(e.Err) }

// overBudgetError is the *Error of the check that finds the token t over
// the budget's limit.
func overBudgetError(t parser.Token, limit string) *Error {
	err := &expressions.LimitError{Limit: limit}
	return &Error{Line: t.SourceLoc.LineNo, Reason: err.Error() + " in " + t.Source, Err: err}
}
