package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/roostmsg/roost/server"
)

// day is the length of a `d` in a -ttl value.
const day = 24 * time.Hour

// ttlForms says how a -ttl value is written, for its help and errors.
const ttlForms = "days (30d), a Go duration (8h, 90m) or both (1d12h); 0: a plain signature that never expires"

// ttlValue is sign's -ttl: how long from now an identity token is good
// for, 0 for a plain signature. Set refuses what the server would refuse.
type ttlValue time.Duration

// String implements flag.Value.
func (v *ttlValue) String() string {
	if v == nil || *v == 0 {
		return "0"
	}
	return time.Duration(*v).String()
}

// Set implements flag.Value.
func (v *ttlValue) Set(s string) error {
	d, err := parseTTL(s)
	if err != nil {
		return err
	}
	*v = ttlValue(d)
	return nil
}

// parseTTL reads a -ttl value: a whole number of days with a `d` suffix,
// a Go duration, or days followed by a Go duration ("1d12h"); 0, or from
// 1s to server.MaxIdentityTokenAhead.
func parseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-") {
		return 0, errors.New("a ttl cannot be negative: write " + ttlForms)
	}
	var d time.Duration
	rest := s
	if days, after, ok := strings.Cut(s, "d"); ok {
		n, err := strconv.ParseUint(days, 10, 16)
		if err != nil || days == "" {
			return 0, errors.New("not a ttl: write " + ttlForms)
		}
		d, rest = time.Duration(n)*day, after
	}
	if rest != "" {
		more, err := time.ParseDuration(rest)
		if err != nil || more < 0 {
			return 0, errors.New("not a ttl: write " + ttlForms)
		}
		d += more
	}
	switch {
	case s == "":
		return 0, errors.New("an empty ttl: write " + ttlForms)
	case d > server.MaxIdentityTokenAhead:
		return 0, fmt.Errorf("a ttl is at most %d days (%dh), as the server refuses a token that expires later",
			server.MaxIdentityTokenAhead/day, server.MaxIdentityTokenAhead/time.Hour)
	case d > 0 && d < time.Second:
		return 0, errors.New("a ttl is at least 1s (or 0 for a plain signature that never expires)")
	}
	return d, nil
}
