package expressions

import (
	"errors"
	"math"

	"github.com/osteele/liquid/values"
)

func makeRangeExpr(startFn, endFn func(Context) values.Value) func(Context) values.Value {
	return func(ctx Context) values.Value {
		a := startFn(ctx).Int()
		b := endFn(ctx).Int()
		// Roost: a range longer than the budget's iterations is an error
		// (a filter would make it an array: (1..100000000) | join).
		if b >= a {
			if err := ctx.Budget().Range(rangeLen(a, b)); err != nil {
				panic(err)
			}
		}
		return values.ValueOf(values.NewRange(a, b))
	}
}

// rangeLen is the length of the range a..b (b >= a), capped at the largest int.
func rangeLen(a, b int) int {
	if n := b - a; n >= 0 && n < math.MaxInt {
		return n + 1
	}
	return math.MaxInt
}

func makeContainsExpr(e1, e2 func(Context) values.Value) func(Context) values.Value {
	return func(ctx Context) values.Value {
		return values.ValueOf(e1(ctx).Contains(e2(ctx)))
	}
}

func makeFilter(fn valueFn, name string, args []valueFn) valueFn {
	return func(ctx Context) values.Value {
		result, err := ctx.ApplyFilter(name, fn, args)
		if le := (*LimitError)(nil); errors.As(err, &le) {
			panic(le) // Roost: a budget error is told as it is
		}
		if err != nil {
			panic(FilterError{
				FilterName: name,
				Err:        err,
			})
		}
		return values.ValueOf(result)
	}
}

func makeIndexExpr(sequenceFn, indexFn func(Context) values.Value) func(Context) values.Value {
	return func(ctx Context) values.Value {
		return sequenceFn(ctx).IndexValue(indexFn(ctx))
	}
}

func makeObjectPropertyExpr(objFn func(Context) values.Value, name string) func(Context) values.Value {
	index := values.ValueOf(name)
	return func(ctx Context) values.Value {
		return objFn(ctx).PropertyValue(index)
	}
}
