package client

import (
	"errors"

	"github.com/roostmsg/roost/inbox"
)

// rejectDropped tells the person's tabs about the messages of a poll answer that
// could not be decoded (inbox.PollResponse.Dropped): a message-error each,
// with the delivery id when the message had one, once per delivery (as for
// a message that cannot be rendered, session.take). The rest of the answer
// is delivered as usual.
func (s *session) rejectDropped(dropped []inbox.Problem) {
	if len(dropped) == 0 {
		return
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	for _, p := range s.store.Reject(dropped) {
		s.r.emitUser(s.user, EventMessageError, map[string]string{"deliveryId": p.DeliveryID, "error": p.Err.Error()})
	}
}

// peerDrop is a message the leader's poll answer held and could not decode,
// passed on with the answer so every tab of the group reports it.
type peerDrop struct {
	DeliveryID string `json:"delivery_id,omitempty"`
	Error      string `json:"error"`
}

// peerDrops makes dropped messages something to broadcast.
func peerDrops(dropped []inbox.Problem) []peerDrop {
	var out []peerDrop
	for _, p := range dropped {
		out = append(out, peerDrop{DeliveryID: p.DeliveryID, Error: p.Err.Error()})
	}
	return out
}

// problems turns the dropped messages of a peer's answer back into inbox.Problems.
func problems(drops []peerDrop) []inbox.Problem {
	var out []inbox.Problem
	for _, d := range drops {
		out = append(out, inbox.Problem{DeliveryID: d.DeliveryID, Err: errors.New(d.Error)})
	}
	return out
}
