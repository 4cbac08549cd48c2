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
func registerFilters(e *liquid.Engine) {
	e.RegisterFilter("date", dateFilter)
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
	return tuesday.Strftime(format(defaultDateFormat), t)
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
