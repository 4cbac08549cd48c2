// Package filters is an internal package that defines the standard Liquid filters.
package filters

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"reflect"
	"strings"
	"time"
	"unicode"

	"github.com/osteele/liquid/values"
	"github.com/osteele/tuesday"
)

var errDivisionByZero = errors.New("division by zero")

// A FilterDictionary holds filters.
type FilterDictionary interface {
	AddFilter(string, any)
}

// AddStandardFilters defines the standard Liquid filters.
func AddStandardFilters(fd FilterDictionary) { //nolint: gocyclo
	// value filters
	fd.AddFilter("default", func(value, defaultValue any) any {
		if value == nil || value == false || values.IsEmpty(value) {
			value = defaultValue
		}
		return value
	})
	fd.AddFilter("json", func(a any) any {
		result, _ := json.Marshal(a)
		return result
	})

	// array filters
	fd.AddFilter("compact", func(a []any) (result []any) {
		for _, item := range a {
			if item != nil {
				result = append(result, item)
			}
		}
		return
	})
	fd.AddFilter("concat", func(a, b []any) (result []any) {
		result = make([]any, 0, len(a)+len(b))
		return append(append(result, a...), b...)
	})
	fd.AddFilter("join", joinFilter)
	fd.AddFilter("map", func(a []any, key string) (result []any) {
		keyValue := values.ValueOf(key)
		for _, obj := range a {
			value := values.ValueOf(obj)
			result = append(result, value.PropertyValue(keyValue).Interface())
		}
		return result
	})
	fd.AddFilter("reverse", reverseFilter)
	fd.AddFilter("sort", sortFilter)
	// https://shopify.github.io/liquid/ does not demonstrate first and last as filters,
	// but https://help.shopify.com/themes/liquid/filters/array-filters does
	fd.AddFilter("first", func(a []any) any {
		if len(a) == 0 {
			return nil
		}
		return a[0]
	})
	fd.AddFilter("last", func(a []any) any {
		if len(a) == 0 {
			return nil
		}
		return a[len(a)-1]
	})
	fd.AddFilter("uniq", uniqFilter)

	// date filters
	fd.AddFilter("date", func(t time.Time, format func(string) string) (string, error) {
		f := format("%a, %b %d, %y")
		return tuesday.Strftime(f, t)
	})

	// number filters
	fd.AddFilter("abs", math.Abs)
	fd.AddFilter("ceil", func(a float64) int {
		return int(math.Ceil(a))
	})
	fd.AddFilter("floor", func(a float64) int {
		return int(math.Floor(a))
	})
	fd.AddFilter("modulo", math.Mod)
	fd.AddFilter("minus", func(a, b float64) float64 {
		return a - b
	})
	fd.AddFilter("plus", func(a, b float64) float64 {
		return a + b
	})
	fd.AddFilter("times", func(a, b float64) float64 {
		return a * b
	})
	fd.AddFilter("divided_by", func(a float64, b any) (any, error) {
		divInt := func(a, b int64) (int64, error) {
			if b == 0 {
				return 0, errDivisionByZero
			}
			return a / b, nil
		}
		divFloat := func(a, b float64) (float64, error) {
			if b == 0 {
				return 0, errDivisionByZero
			}
			return a / b, nil
		}
		switch q := b.(type) {
		case int:
			return divInt(int64(a), int64(q))
		case int8:
			return divInt(int64(a), int64(q))
		case int16:
			return divInt(int64(a), int64(q))
		case int32:
			return divInt(int64(a), int64(q))
		case int64:
			return divInt(int64(a), q)
		case uint8:
			return divInt(int64(a), int64(q))
		case uint16:
			return divInt(int64(a), int64(q))
		case uint32:
			return divInt(int64(a), int64(q))
		case float32:
			return divFloat(a, float64(q))
		case float64:
			return divFloat(a, q)
		default:
			return nil, fmt.Errorf("invalid divisor: '%v'", b)
		}
	})
	fd.AddFilter("round", func(n float64, places func(int) int) float64 {
		pl := places(0)
		exp := math.Pow10(pl)
		return math.Floor(n*exp+0.5) / exp
	})

	// sequence filters
	fd.AddFilter("size", values.Length)

	// string filters
	fd.AddFilter("append", func(s, suffix string) string {
		return s + suffix
	})
	fd.AddFilter("capitalize", func(s, suffix string) string {
		if len(s) == 0 {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	})
	fd.AddFilter("downcase", func(s, suffix string) string {
		return strings.ToLower(s)
	})
	fd.AddFilter("escape", html.EscapeString)
	fd.AddFilter("escape_once", func(s, suffix string) string {
		return escapeOnce(s)
	})
	fd.AddFilter("newline_to_br", func(s string) string {
		return strings.ReplaceAll(s, "\n", "<br />")
	})
	fd.AddFilter("prepend", func(s, prefix string) string {
		return prefix + s
	})
	fd.AddFilter("remove", func(s, old string) string {
		return strings.ReplaceAll(s, old, "")
	})
	fd.AddFilter("remove_first", func(s, old string) string {
		return strings.Replace(s, old, "", 1)
	})
	fd.AddFilter("replace", strings.ReplaceAll)
	fd.AddFilter("replace_first", func(s, old, n string) string {
		return strings.Replace(s, old, n, 1)
	})
	fd.AddFilter("sort_natural", sortNaturalFilter)
	fd.AddFilter("slice", func(s string, start int, length func(int) int) string {
		if len(s) == 0 {
			return ""
		}
		ss := []rune(s)
		n := length(1)
		if start < 0 {
			start = len(ss) + start
		}
		if start < 0 {
			return ""
		}
		end := start + n
		if end > len(ss) {
			end = len(ss)
		}
		return string(ss[start:end])
	})
	fd.AddFilter("split", splitFilter)
	fd.AddFilter("strip_html", stripHTML)
	fd.AddFilter("strip_newlines", func(s string) string {
		return strings.ReplaceAll(s, "\n", "")
	})
	fd.AddFilter("strip", strings.TrimSpace)
	fd.AddFilter("lstrip", func(s string) string {
		return strings.TrimLeftFunc(s, unicode.IsSpace)
	})
	fd.AddFilter("rstrip", func(s string) string {
		return strings.TrimRightFunc(s, unicode.IsSpace)
	})
	fd.AddFilter("truncate", func(s string, length func(int) int, ellipsis func(string) string) string {
		return truncate(s, length(50), ellipsis("..."))
	})
	fd.AddFilter("truncatewords", func(s string, length func(int) int, ellipsis func(string) string) string {
		return truncateWords(s, length(15), ellipsis("..."))
	})
	fd.AddFilter("upcase", func(s, suffix string) string {
		return strings.ToUpper(s)
	})
	fd.AddFilter("url_encode", queryEscape)
	fd.AddFilter("url_decode", queryUnescape)

	// debugging filters
	// inspect is from Jekyll
	fd.AddFilter("inspect", func(value any) string {
		s, err := json.Marshal(value)
		if err != nil {
			return fmt.Sprintf("%#v", value)
		}
		return string(s)
	})
	fd.AddFilter("type", func(value any) string {
		return fmt.Sprintf("%T", value)
	})
}

func joinFilter(a []any, sep func(string) string) any {
	ss := make([]string, 0, len(a))
	s := sep(" ")
	for _, v := range a {
		if v != nil {
			ss = append(ss, fmt.Sprint(v))
		}
	}
	return strings.Join(ss, s)
}

func reverseFilter(a []any) any {
	result := make([]any, len(a))
	for i, x := range a {
		result[len(result)-1-i] = x
	}
	return result
}

func splitFilter(s, sep string) any {
	if sep == " " {
		// Special case for Ruby, therefore Liquid: split on runs of
		// whitespace, with no empty strings.
		return rubyFields(s)
	}
	result := strings.Split(s, sep)
	// This matches Ruby / Liquid / Jekyll's observed behavior.
	for len(result) > 0 && result[len(result)-1] == "" {
		result = result[:len(result)-1]
	}
	return result
}

func uniqFilter(a []any) (result []any) {
	seenMap := map[any]bool{}
	seen := func(item any) bool {
		// Roost: nil is comparable (reflect.TypeOf(nil).Kind() panicked)
		if item == nil {
			if seenMap[nil] {
				return true
			}
			seenMap[nil] = true
			return false
		}
		if k := reflect.TypeOf(item).Kind(); k < reflect.Array || k == reflect.Ptr || k == reflect.UnsafePointer {
			if seenMap[item] {
				return true
			}
			seenMap[item] = true
			return false
		}
		// the O(n^2) case:
		for _, other := range result {
			if eqItems(item, other) {
				return true
			}
		}
		return false
	}
	for _, item := range a {
		if !seen(item) {
			result = append(result, item)
		}
	}
	return
}

func eqItems(a, b any) bool {
	if reflect.TypeOf(a).Comparable() && reflect.TypeOf(b).Comparable() {
		return a == b
	}
	return reflect.DeepEqual(a, b)
}
