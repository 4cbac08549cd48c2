package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// The size attributeSizes keeps through merges is the size of the JSON the
// store writes, exactly: the attributes limit is checked on it.
func TestAttributeSizesExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	values := []any{nil, "x", "<&>\u2028é", json.Number("12345678901234567890"), true, 2.5,
		map[string]any{"a": []any{1.0, "b"}}, strings.Repeat("y", 300)}
	p := &Person{ID: "p", Attributes: map[string]any{"seed": "v"}}
	sizes, err := sizeAttributes(p.Attributes)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		attrs := map[string]any{}
		for range 1 + rng.IntN(4) {
			attrs[fmt.Sprintf("k%d<", rng.IntN(40))] = values[rng.IntN(len(values))]
		}
		entries, err := entrySizes(attrs)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sizes.merge(p, attrs, entries); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(p.Attributes)
		if sizes.size != len(b) {
			t.Fatalf("merge %d: kept size %d, JSON is %d bytes", i, sizes.size, len(b))
		}
	}
}

func TestPersonLocks(t *testing.T) {
	var l personLocks
	ctx := context.Background()
	unlock, err := l.lock(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	other, err := l.lock(ctx, "b")
	if err != nil {
		t.Fatal("another person's lock is free:", err)
	}
	other()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.lock(cancelled, "a"); err != context.Canceled {
		t.Fatalf("a held lock with a done context: %v, want context.Canceled", err)
	}
	got := make(chan struct{})
	go func() {
		u, err := l.lock(ctx, "a")
		if err == nil {
			u()
		}
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("a held lock was taken")
	case <-time.After(20 * time.Millisecond):
	}
	unlock()
	<-got // taken once released
	if len(l.held) != 0 {
		t.Fatalf("released locks are forgotten; held %v", l.held)
	}
}
