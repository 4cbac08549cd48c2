package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/roostmsg/roost/server"
)

// Body size limits.
const (
	// MaxSendBody bounds a send-side request body.
	MaxSendBody = 2 << 20
	// MaxEventsBody bounds an events request body.
	MaxEventsBody = 1 << 20
)

// codeStatus is the one table mapping server error codes to HTTP statuses.
var codeStatus = map[string]int{
	server.ECONFLICT:     http.StatusConflict,
	server.EINTERNAL:     http.StatusInternalServerError,
	server.EINVALID:      http.StatusBadRequest,
	server.ENOTFOUND:     http.StatusNotFound,
	server.EUNAUTHORIZED: http.StatusUnauthorized,
	server.EMETHOD:       http.StatusMethodNotAllowed,
	server.EFORBIDDEN:    http.StatusForbidden,
	server.ERATELIMIT:    http.StatusTooManyRequests,
	server.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	server.ENOSPACE:      http.StatusInsufficientStorage,
	server.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// ErrorStatus returns the HTTP status of err's code.
func ErrorStatus(err error) int {
	if s, ok := codeStatus[server.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// fail writes err as an error answer, logging it first if it is unexpected.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch server.ErrorCode(err) {
	case server.EINTERNAL:
		h.cfg.Logger.Error("internal error", "method", r.Method, "route", Route(r), "err", err)
	case server.ENOSPACE:
		h.cfg.Logger.Error("disk full: a write was refused", "method", r.Method, "route", Route(r))
	case server.EUNAVAILABLE:
		// Only the database's: a stream refused at the process's cap or
		// during a shutdown is a 503 too, and says so to its client.
		if errors.Is(err, server.ErrUnavailable) && h.unavailableLog.due(time.Now()) {
			h.cfg.Logger.Error("the database cannot be reached: requests are answered 503 (logged once a minute)",
				"route", Route(r), "err", err)
		}
	}
	WriteError(w, err)
}

// Route is the route pattern that took r (http.ServeMux sets it), without
// its method, or "other" for none or the catch-all "/": what logs and
// metrics name instead of the path, which holds person and delivery ids
// and is anyone's to choose.
func Route(r *http.Request) string {
	p := r.Pattern
	if _, path, ok := strings.Cut(p, " "); ok {
		p = path
	}
	if p == "" || p == "/" {
		return "other"
	}
	return p
}

// errorBody is the body of every error answer.
type errorBody struct {
	Meta struct {
		Error string `json:"error"`
	} `json:"meta"`
}

// WriteError writes err's status and {"meta":{"error":...}}: its message
// (server.ErrorMessage), "internal error" for an unexpected error.
func WriteError(w http.ResponseWriter, err error) {
	if wait := server.RetryAfter(err); wait > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(server.RetrySeconds(wait), 10))
	}
	var body errorBody
	body.Meta.Error = server.ErrorMessage(err)
	writeJSON(w, ErrorStatus(err), body)
}

// writeJSON writes v as a JSON answer with status. <, > and & are written
// as they are, not as \u003c and the like: an answer is JSON (nosniff),
// never HTML, and its error texts are read by people.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	b := []byte(`{"meta":{"error":"internal error"}}`)
	if err := enc.Encode(v); err == nil {
		b = bytes.TrimSuffix(buf.Bytes(), newline)
	} else { // only our own types are written: a bug
		status = http.StatusInternalServerError
	}
	writeBody(w, status, b)
}

// writeBody writes a JSON body b, then a newline, with status. It does not
// change b, which may be shared (a cached poll answer).
func writeBody(w http.ResponseWriter, status int, b []byte) {
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	_, _ = w.Write(newline)
}

// newline ends every JSON body.
var newline = []byte{'\n'}

// readJSON decodes r's body, at most limit bytes of one JSON object, into v.
// Numbers decode as json.Number. Returns ETOOLARGE or EINVALID saying what
// is wrong: a body that is not UTF-8 or nests deeper than
// server.MaxJSONDepth is refused before it is decoded (server.CheckJSONText).
func readJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return server.Errorf(server.ETOOLARGE, "request body is over %d bytes", limit)
	case err != nil:
		return server.Errorf(server.EINVALID, "could not read the request body: %v", err)
	}
	if err := server.CheckJSONText(data); err != nil {
		return err
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return server.Errorf(server.EINVALID, "malformed JSON: the request body is empty; send a JSON object")
	case trimmed[0] != '{':
		return server.Errorf(server.EINVALID, "malformed JSON: the request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return server.Errorf(server.EINVALID, "malformed JSON: %s", server.DescribeJSONError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return server.Errorf(server.EINVALID, "malformed JSON: unexpected data after the JSON object")
	}
	return nil
}

// isNull reports whether a raw field is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// methods routes a path by request method; any other method gets 405 with
// an Allow header.
type methods map[string]http.Handler

// ServeHTTP implements http.Handler.
func (m methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := m[r.Method]; ok {
		h.ServeHTTP(w, r)
		return
	}
	allow := make([]string, 0, len(m))
	for method := range m {
		allow = append(allow, method)
	}
	slices.Sort(allow)
	w.Header().Set("Allow", strings.Join(allow, ", "))
	WriteError(w, server.Errorf(server.EMETHOD, "method %s not allowed; allowed: %s", r.Method, strings.Join(allow, ", ")))
}

// notFound answers any unknown path with 404.
var notFound = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	WriteError(w, server.Errorf(server.ENOTFOUND, "no such route: %s %s", r.Method, server.Quote(r.URL.Path)))
})
