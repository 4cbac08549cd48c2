package server

import (
	"hash/maphash"
	"sync"
	"time"
)

// DefaultPollCacheBytes is the memory the poll answer cache may use when
// Config.PollCacheBytes is 0.
const DefaultPollCacheBytes = 64 << 20

// pollEntryOverhead is what one cached answer costs besides its body, ETag
// and person id: the map slot, the pollAnswer and allocation rounding
// (an estimate on 64-bit platforms).
const pollEntryOverhead = 160

// pollCacheStripes is how many write generations the cache keeps: a person
// id hashes to one of them. Two people sharing one only costs an answer
// not being cached now and then.
const pollCacheStripes = 4096

// pollAnswer is the answer to a poll as it is sent, with the span of time
// over which it stays the answer as long as nothing is written.
type pollAnswer struct {
	// body is the JSON of the answer; it is shared and never changed.
	body []byte
	// etag is the strong ETag of body.
	etag string
	// from is when the answer was read; until is the earliest instant at
	// which time alone could change it (zero: never). It holds at now
	// for from <= now < until.
	from, until time.Time
	// version is the person's answer version the answer was read at
	// (Queue.Version): on a SharedStore, the answer holds only while the
	// person's version is still this one.
	version int64
}

// holdsAt reports whether a is still the answer at now, when the person's
// answer version is version and nothing else was written.
func (a *pollAnswer) holdsAt(now time.Time, version int64) bool {
	return a.version == version && !now.Before(a.from) && (a.until.IsZero() || now.Before(a.until))
}

// cost is the memory the cache counts for a as personID's answer.
func (a *pollAnswer) cost(personID string) int {
	return len(a.body) + len(a.etag) + len(personID) + pollEntryOverhead
}

// pollCache keeps the last poll answer of each person read from the store,
// so that a poll whose answer cannot have changed since is answered
// without reading the store. It assumes that every write to the store
// goes through the invalidatingStore in front of it, in this process, or
// else that the store is a SharedStore, whose answer version the poll
// reads first and the cached answer must match (writes of other
// processes change it).
//
// An answer is installed only if no write that could change it was
// invalidated between the moment its poll took a ticket (before reading the
// store) and the install: each invalidation bumps a generation, and the
// ticket remembers the generations it saw. A write invalidates after it
// returns, so an answer read before the write committed is either refused
// at install or removed by that invalidation.
//
// Memory is bounded by a budget in bytes (pollAnswer.cost); over it, the
// cache drops arbitrary entries (Go's map order) to make room.
type pollCache struct {
	seed    maphash.Seed
	maxSize int

	mu      sync.Mutex
	entries map[string]*pollAnswer
	size    int
	// stripes are write generations of people, by hash of the person id.
	stripes [pollCacheStripes]uint64
	// global is the generation of writes that may change anyone's answer.
	global uint64
}

// pollTicket is what a poll that missed the cache saw before reading the
// store: it may install its answer only if both generations are unchanged.
type pollTicket struct {
	stripe int
	gen    uint64
	global uint64
}

// newPollCache returns a cache of at most maxSize bytes, or nil (no cache,
// every method a no-op) when maxSize is not positive.
func newPollCache(maxSize int) *pollCache {
	if maxSize <= 0 {
		return nil
	}
	return &pollCache{seed: maphash.MakeSeed(), maxSize: maxSize, entries: map[string]*pollAnswer{}}
}

// stripe returns the index of personID's write generation.
func (c *pollCache) stripe(personID string) int {
	return int(maphash.String(c.seed, personID) % pollCacheStripes)
}

// lookup returns personID's cached answer if it holds at now and at the
// person's answer version (0 when the store is not shared); else nil and
// the ticket with which to install the answer the poll reads next.
func (c *pollCache) lookup(personID string, now time.Time, version int64) (*pollAnswer, pollTicket) {
	if c == nil {
		return nil, pollTicket{}
	}
	stripe := c.stripe(personID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.entries[personID]; ok {
		if a.holdsAt(now, version) {
			return a, pollTicket{}
		}
		c.remove(personID, a)
	}
	return nil, pollTicket{stripe: stripe, gen: c.stripes[stripe], global: c.global}
}

// install caches a as personID's answer, unless a write was invalidated
// since t was taken, or a alone is over the budget.
func (c *pollCache) install(personID string, t pollTicket, a *pollAnswer) {
	if c == nil {
		return
	}
	cost := a.cost(personID)
	if cost > c.maxSize {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stripes[t.stripe] != t.gen || c.global != t.global {
		return // read before a write that has been invalidated since: maybe stale
	}
	if old, ok := c.entries[personID]; ok {
		c.remove(personID, old)
	}
	for id, e := range c.entries {
		if c.size+cost <= c.maxSize {
			break
		}
		c.remove(id, e)
	}
	c.entries[personID] = a
	c.size += cost
}

// remove drops personID's entry a; c.mu is held.
func (c *pollCache) remove(personID string, a *pollAnswer) {
	delete(c.entries, personID)
	c.size -= a.cost(personID)
}

// invalidate drops personID's answer and refuses the install of any answer
// of theirs read before now.
func (c *pollCache) invalidate(personID string) {
	if c == nil {
		return
	}
	stripe := c.stripe(personID)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stripes[stripe]++
	if a, ok := c.entries[personID]; ok {
		c.remove(personID, a)
	}
}

// invalidateAll drops every answer and refuses the install of any answer
// read before now.
func (c *pollCache) invalidateAll() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.global++
	clear(c.entries)
	c.size = 0
}
