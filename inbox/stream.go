package inbox

// Paths of the browser side of the protocol (docs/protocol.md).
const (
	// PathPoll is the poll: the person's answer, or 304.
	PathPoll = "/v1/client/poll"
	// PathStream is the push channel: the same answer as Server-Sent Events.
	PathStream = "/v1/client/stream"
	// PathEvents is where the browser posts its events.
	PathEvents = "/v1/client/events"
)

// Events of the stream (the SSE "event" field), in the order a stream sends them.
const (
	// StreamHello opens every stream; its data is a StreamHelloData.
	StreamHello = "hello"
	// StreamAnswer is a poll answer (the poll's 200 body), its ETag the event's id.
	StreamAnswer = "answer"
	// StreamUnchanged says the answer is still the one named by Last-Event-ID
	// (the event's id): the stream's 304. Its data is "{}".
	StreamUnchanged = "unchanged"
)

// StreamHelloData is the data of a stream's hello event.
type StreamHelloData struct {
	// HeartbeatMs is the heartbeat period: a stream that sends nothing for
	// two of them has failed.
	HeartbeatMs int64 `json:"heartbeat_ms"`
}
