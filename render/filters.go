package render

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/osteele/liquid"
	"github.com/osteele/liquid/values"
	"github.com/osteele/tuesday"
)

// registerFilters adds the filters message templates need beyond Liquid's
// standard ones (and replaces its date filter with one that also takes unix
// time, as message data usually carries it).
//
// replace and join replace Liquid's with ones that refuse, before making
// it, a string over MaxRenderBytes: their result can be the square of their
// input's size ("aaaa" | replace: "", s).
func registerFilters(e *liquid.Engine) {
	e.RegisterFilter("date", dateFilter)
	e.RegisterFilter("replace", replaceFilter)
	e.RegisterFilter("join", joinFilter)
}

// replaceFilter is strings.ReplaceAll, refusing a result over MaxRenderBytes.
func replaceFilter(s, old, repl string) (string, error) {
	n := strings.Count(s, old) // with old "", the runes of s + 1
	if grow := len(repl) - len(old); n > 0 && grow > 0 {
		if n > (MaxRenderBytes-len(s))/grow {
			return "", errResultTooLong("replace", len(s)+min(n, MaxRenderBytes)*grow)
		}
	}
	return strings.ReplaceAll(s, old, repl), nil
}

// joinFilter is Liquid's join (items printed as fmt.Sprint does, nil items
// left out, " " by default), refusing a result over MaxRenderBytes.
func joinFilter(a []any, sep func(string) string) (string, error) {
	s := sep(" ")
	items := make([]string, 0, len(a))
	size := 0
	for _, v := range a {
		if v == nil {
			continue
		}
		item := fmt.Sprint(v)
		if len(items) > 0 {
			size += len(s)
		}
		size += len(item)
		if size > MaxRenderBytes {
			return "", errResultTooLong("join", size)
		}
		items = append(items, item)
	}
	return strings.Join(items, s), nil
}

// defaultDateFormat is the format of {{ x | date }} without one (Liquid's).
const defaultDateFormat = "%a, %b %d, %y"

// msThreshold: a number at least this large is unix milliseconds (what a
// JavaScript Date.now() gives), not seconds; as seconds it would be past the
// year 5000.
const msThreshold = 100_000_000_000

// dateFilter formats v with a strftime format ("%B %d, %Y"). v is a time, a
// unix time in seconds (or milliseconds, from 10^11 on), as a number or as a
// string of digits, or a date string Liquid's date filter reads
// ("2026-11-22T10:00:00Z", "2026-11-22", "now"). Unix times are shown in UTC.
// As in Shopify's Liquid, a value that is not a date is given back as it is
// (nothing for an unset variable), so one odd value does not hide a message.
func dateFilter(v any, format func(string) string) (string, error) {
	if v == nil {
		return "", nil
	}
	t, err := toTime(v)
	if err != nil {
		return fmt.Sprint(v), nil
	}
	f := format(defaultDateFormat)
	if n := strftimeBound(f); n > MaxRenderBytes {
		return "", errResultTooLong("date", n)
	}
	return tuesday.Strftime(f, t)
}

// strftimeBound is more than the length of any time formatted with the
// strftime format f: a directive's width ("%1000000Y") may pad it.
func strftimeBound(f string) int {
	n := len(f)
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		for i+1 < len(f) && strings.IndexByte("-_^#0:", f[i+1]) >= 0 {
			i++
		}
		w := 0
		for i+1 < len(f) && '0' <= f[i+1] && f[i+1] <= '9' {
			w = min(w*10+int(f[i+1]-'0'), 1<<30)
			i++
		}
		n += 64 + w
	}
	return n
}

// toTime reads v as the date filter takes it.
func toTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v, nil
	case int:
		return unixTime(float64(v)), nil
	case int64:
		return unixTime(float64(v)), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return time.Time{}, fmt.Errorf("date: %v is not a time", v)
		}
		return unixTime(v), nil
	case json.Number:
		return toTime(string(v))
	case string:
		s := strings.TrimSpace(v)
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return unixTime(f), nil
		}
		t, err := values.ParseDate(s)
		if err != nil {
			return time.Time{}, fmt.Errorf("date: %q is not a date (use unix seconds or a date such as 2026-11-22T10:00:00Z)", v)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("date: a %T is not a time", v)
}

// unixTime is the UTC time n seconds (or, from msThreshold on, milliseconds)
// after the unix epoch.
func unixTime(n float64) time.Time {
	if math.Abs(n) >= msThreshold {
		return time.UnixMilli(int64(n)).UTC()
	}
	sec, frac := math.Modf(n)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}
