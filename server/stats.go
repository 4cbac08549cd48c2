package server

import (
	"context"
	"sync/atomic"
)

// Stats counts what a Server did since it started, for metrics.
type Stats struct {
	// SendsInbox and SendsInApp count accepted sends (drafts included) by channel.
	SendsInbox, SendsInApp uint64
	// PollsCached counts polls answered from the poll cache; PollsRead
	// those whose answer was read from the store.
	PollsCached, PollsRead uint64
	// EventsApplied counts acknowledged events (a retried id counts again);
	// EventsRejected those rejected, as invalid or by the rules.
	EventsApplied, EventsRejected uint64
	// MaintainRan counts rounds of background work this server did;
	// MaintainSkipped those it skipped because another process sharing
	// the store did them (SharedStore.Exclusive, ClaimRound);
	// MaintainFailed those that failed (the store's error is logged).
	MaintainRan, MaintainSkipped, MaintainFailed uint64
	// StreamsOpen is how many streams are open now (a gauge).
	StreamsOpen uint64
	// StreamsRefusedOff, StreamsRefusedPerson and StreamsRefusedProcess
	// count the streams refused: streaming off, the person's cap
	// (Config.StreamMaxPerPerson), the process's (Config.StreamMax).
	StreamsRefusedOff, StreamsRefusedPerson, StreamsRefusedProcess uint64
	// StreamAnswers counts the changed answers streams got to send
	// (Stream.Answer), the first of each stream included.
	StreamAnswers uint64
}

// counters are the live counts behind Stats.
type counters struct {
	sendsInbox, sendsInApp                       atomic.Uint64
	pollsCached, pollsRead                       atomic.Uint64
	eventsApplied, eventsRejd                    atomic.Uint64
	maintainRan, maintainSkipped, maintainFailed atomic.Uint64
}

// Stats returns the server's counts so far.
func (s *Server) Stats() Stats {
	c := &s.stats
	return Stats{
		SendsInbox: c.sendsInbox.Load(), SendsInApp: c.sendsInApp.Load(),
		PollsCached: c.pollsCached.Load(), PollsRead: c.pollsRead.Load(),
		EventsApplied: c.eventsApplied.Load(), EventsRejected: c.eventsRejd.Load(),
		MaintainRan: c.maintainRan.Load(), MaintainSkipped: c.maintainSkipped.Load(), MaintainFailed: c.maintainFailed.Load(),
		StreamsOpen:       uint64(s.StreamsOpen()),
		StreamsRefusedOff: s.streams.refusedOff.Load(), StreamsRefusedPerson: s.streams.refusedPerson.Load(),
		StreamsRefusedProcess: s.streams.refusedProcess.Load(), StreamAnswers: s.streams.answers.Load(),
	}
}

// CountQueued returns how many messages, of everyone, are queued now:
// what polls would return. It reads the store.
func (s *Server) CountQueued(ctx context.Context) (int, error) {
	return s.store.CountQueued(ctx, s.Now())
}
