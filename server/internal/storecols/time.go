package storecols

import "time"

// Millis returns t as unix milliseconds, the form of every time column.
func Millis(t time.Time) int64 {
	return t.UnixMilli()
}

// FromMillis returns the time of unix milliseconds ms, in UTC.
func FromMillis(ms int64) time.Time {
	return time.UnixMilli(ms).UTC()
}

// NullMillis returns t as unix milliseconds, or nil (NULL) for the zero time.
func NullMillis(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	ms := Millis(t)
	return &ms
}

// FromNullMillis returns the time of unix milliseconds *ms, in UTC, or the
// zero time for nil (NULL).
func FromNullMillis(ms *int64) time.Time {
	if ms == nil {
		return time.Time{}
	}
	return FromMillis(*ms)
}
