package values

// A Range is the range of integers from b to e inclusive.
type Range struct {
	b, e int
}

// NewRange returns a new Range
func NewRange(b, e int) Range {
	return Range{b, e}
}

// Len is in the iteration interface. (Roost: a range whose end is before
// its start is empty; upstream gave a negative length, and AsArray panicked.)
func (r Range) Len() int {
	if r.e < r.b {
		return 0
	}
	return r.e + 1 - r.b
}

// Index is in the iteration interface
func (r Range) Index(i int) any { return r.b + i }

// AsArray converts the range into an array.
func (r Range) AsArray() []any {
	a := make([]any, 0, r.Len())
	for i := r.b; i <= r.e; i++ {
		a = append(a, i)
	}
	return a
}
