package httpapi

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"time"
)

// hijackStream takes r's connection over for its stream, when r is an
// HTTP/1.x GET and w can hijack: the connection, with net/http's
// deadlines cleared, and net/http's buffers dropped. It returns nil and
// false when the connection stays net/http's (HTTP/2, HEAD, a
// ResponseWriter that cannot hijack, Config.StreamPlain), and nil
// and true when it was taken but the client had already sent more than
// the request (pipelining, which no SSE client does): it is closed, as a
// stream's client that sends anything is (serveConn).
func (h *Handler) hijackStream(w http.ResponseWriter, r *http.Request) (net.Conn, bool) {
	if h.cfg.StreamPlain || r.Method != http.MethodGet || r.ProtoMajor != 1 {
		return nil, false
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, false // http.ErrNotSupported: net/http serves the stream
	}
	if brw.Reader.Buffered() > 0 {
		conn.Close()
		return nil, true
	}
	_ = conn.SetReadDeadline(time.Time{}) // net/http's ReadTimeout, WriteTimeout
	_ = conn.SetWriteDeadline(time.Time{})
	return conn, true
}

// headOmitted are the headers responseHead leaves out of w.Header(): the
// body runs until the connection closes, and the Date is its own.
var headOmitted = map[string]bool{"Connection": true, "Content-Length": true, "Transfer-Encoding": true,
	"Date": true, "Keep-Alive": true, "Trailer": true}

// responseHead returns the HTTP/1.1 head of a stream served on a taken
// connection: 200, the headers set on hd (the stream's, and those of the
// middleware, CORS included), a Date of now, and Connection: close, with
// neither Content-Length nor chunking: the body is every byte until the
// connection closes.
func responseHead(hd http.Header, now time.Time) []byte {
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\n")
	_ = hd.WriteSubset(&b, headOmitted) // sorted; newlines in values made spaces, invalid names dropped
	b.WriteString("Date: " + now.UTC().Format(http.TimeFormat) + "\r\nConnection: close\r\n\r\n")
	return b.Bytes()
}

// serveConn runs the stream ls on the connection it took over, until the
// stream ends; then it closes the connection. A goroutine of its own
// (watchClient) waits on a 1-byte read of the connection to see the
// client leave.
func (h *Handler) serveConn(ls *liveStream) {
	ctx, leave := context.WithCancel(context.Background())
	defer ls.st.Close()
	defer ls.conn.Close() // before the Close above: no stream counts as gone while its connection is open
	defer leave()
	go watchClient(ls.conn, leave)
	h.pushStream(ctx, ls)
}

// watchClient calls leave when conn's client closes it, or sends anything
// (an SSE client sends nothing after its request), or conn is closed.
func watchClient(conn net.Conn, leave context.CancelFunc) {
	var b [1]byte
	_, _ = conn.Read(b[:])
	leave()
}

// connWriter writes a stream's bytes straight to its connection, each
// write within timeout when it is positive: a client that does not read
// is cut.
type connWriter struct {
	conn    net.Conn
	timeout time.Duration
}

// write writes b.
func (c *connWriter) write(b []byte) error {
	if c.timeout > 0 {
		_ = c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	}
	_, err := c.conn.Write(b)
	return err
}
