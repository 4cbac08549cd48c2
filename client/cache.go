package client

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/roostmsg/roost/inbox"
)

// A person's inbox as the last poll answered it is kept under inboxPrefix +
// the person's id, so that the next page load shows it at once, before its
// first poll answer (or while the server is unreachable), with the changes
// still waiting in the outbox laid over it. Only inbox messages are kept:
// an in-app message is shown only as the server's answer allows.
const inboxPrefix = "inbox/"

// storedInbox is the stored form of a person's inbox. Signature names the
// signature the answer was polled with (signatureDigest): a page that
// identifies the person with another one (or none) does not see it, as the
// server would not answer it either.
type storedInbox struct {
	Signature string          `json:"signature"`
	Messages  []inbox.Message `json:"messages"`
}

// keepAnswer hands the inbox messages of a poll answer to keepInbox; r.mu is held.
func (s *session) keepAnswer(msgs []inbox.Message) {
	if s.forgotten {
		return
	}
	kept := storedInbox{Signature: signatureDigest(s.signature), Messages: []inbox.Message{}}
	for _, m := range msgs {
		if m.Channel == inbox.ChannelInbox {
			kept.Messages = append(kept.Messages, m)
		}
	}
	value, err := json.Marshal(kept)
	if err != nil {
		return // messages decoded from JSON encode again
	}
	s.inboxKeeper.put(value)
}

// forgetInbox replaces what is kept of the person's inbox and persistent
// in-app messages with nothing; r.mu is held.
func (s *session) forgetInbox() {
	s.forgotten = true
	s.inboxKeeper.put([]byte(`{}`))
	s.inAppKeeper.put([]byte(`{}`))
}

// keeper writes the values handed to it under one storage key, one at a
// time and the latest only, until its session stops; a value still waiting
// then is written before it ends.
type keeper struct {
	s    *session
	key  string
	what string // for a storage-error: "keeping <what>"
	next chan []byte
}

func newKeeper(s *session, key, what string) *keeper {
	k := &keeper{s: s, key: key, what: what, next: make(chan []byte, 1)}
	go k.run()
	return k
}

// put hands value to the writer without waiting; it replaces one not yet written.
func (k *keeper) put(value []byte) {
	select {
	case <-k.next:
	default:
	}
	k.next <- value
}

func (k *keeper) run() {
	for {
		select {
		case value := <-k.next:
			k.write(value)
		case <-k.s.stopped:
			select {
			case value := <-k.next:
				k.write(value)
			default:
			}
			return
		}
	}
}

func (k *keeper) write(value []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), storageTimeout)
	defer cancel()
	if err := k.s.r.opts.Storage.Set(ctx, k.key, value); err != nil {
		k.s.storageError(fmt.Errorf("storage: keeping %s: %w", k.what, err))
	}
}

// readKept reads the JSON value stored under key into v, before the first
// poll; it reports whether there was a usable one. A failure or a value that
// is not readable is a storage-error (what names the value); the next write
// replaces it.
func (s *session) readKept(session context.Context, key, what string, v any) bool {
	ctx, cancel := context.WithTimeout(session, storageTimeout)
	defer cancel()
	raw, found, err := s.r.opts.Storage.Get(ctx, key)
	if err != nil && session.Err() == nil {
		s.storageError(fmt.Errorf("storage: reading %s: %w", what, err))
	}
	if err != nil || !found {
		return false
	}
	if err := json.Unmarshal(raw, v); err != nil {
		s.storageError(fmt.Errorf("storage: %s is not usable (%v); it is replaced", what, err))
		return false
	}
	return true
}

// restoreInbox shows what the last page load kept of the person's inbox,
// unless a poll answer came first, to the tabs with the signature it was
// polled with (unless that is an identity token past its expiry); it runs on the loop's goroutine before
// the first poll. A bad value is reported and ignored.
func (s *session) restoreInbox(session context.Context) {
	var kept storedInbox
	if !s.readKept(session, inboxPrefix+s.user, "the kept inbox", &kept) {
		return
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.answered || s.forgotten || kept.Messages == nil || kept.Signature != signatureDigest(s.signature) {
		return
	}
	if exp, expires := tokenExpiry(s.signature); expires && !exp.After(s.r.serverNow()) {
		return // the server would refuse the token now
	}
	s.accept(s.signature) // the server answered this inbox to exactly this signature
	s.take(kept.Messages)
}
