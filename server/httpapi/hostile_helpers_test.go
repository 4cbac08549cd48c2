package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// What TestHostilePerson's hostile person posts, and how it counts what the
// store writes.

// writeCountingStore counts what each events post writes through its
// EventTx, and how many of one person's posts the store runs at once.
type writeCountingStore struct {
	server.Store
	mu                     sync.Mutex
	maxSaves, maxSaveBytes int
	running                map[string]int
	maxRunning             int
	maxRecorded            int
}

func (s *writeCountingStore) UpdateEvents(ctx context.Context, personID string, fn func(tx server.EventTx) error) error {
	s.mu.Lock()
	if s.running == nil {
		s.running = map[string]int{}
	}
	s.running[personID]++
	s.maxRunning = max(s.maxRunning, s.running[personID])
	s.mu.Unlock()
	c := &countingTx{}
	err := s.Store.UpdateEvents(ctx, personID, func(tx server.EventTx) error {
		*c = countingTx{EventTx: tx}
		return fn(c)
	})
	s.mu.Lock()
	s.running[personID]--
	s.maxSaves, s.maxSaveBytes = max(s.maxSaves, c.saves), max(s.maxSaveBytes, c.saveBytes)
	s.maxRecorded = max(s.maxRecorded, c.recorded)
	s.mu.Unlock()
	return err
}

// countingTx counts SavePerson calls and the attribute JSON they write,
// and the events recorded.
type countingTx struct {
	server.EventTx
	saves, saveBytes, recorded int
}

func (c *countingTx) RecordEvent(e inbox.Event, deliveryID string, at, now time.Time) error {
	c.recorded++
	return c.EventTx.RecordEvent(e, deliveryID, at, now)
}

func (c *countingTx) SavePerson(p *server.Person) error {
	b, _ := json.Marshal(p.Attributes)
	c.saves++
	c.saveBytes += len(b)
	return c.EventTx.SavePerson(p)
}

// identifyPost returns the body of the n-th hostile identify post: every
// key of it is new, so attributes grow by all of it if nothing caps them.
func identifyPost(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"events":[`)
	for i := range identifyPostEvents {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"id-%d-%d","type":"identify","attributes":{`, n, i)
		for k := range identifyKeys {
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"p%d_e%d_%d":"v"`, n, i, k)
		}
		b.WriteString(`}}`)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// clicksPost returns the body of the n-th hostile clicks post: a batch of
// clicks with new ids on delivery.
func clicksPost(n int, delivery string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"events":[`)
	action := strings.Repeat("a", clickLen)
	for i := range server.MaxEventsPerBatch {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"click-%d-%d","delivery_id":%q,"type":"clicked","action":%q}`, n, i, delivery, action)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}
