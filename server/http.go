package server

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Body size limits.
const (
	// MaxSendBody bounds a send-side request body.
	MaxSendBody = 2 << 20
	// MaxEventsBody bounds an events request body.
	MaxEventsBody = 1 << 20
)

// appHandler is a send-side handler; the error it returns is written by fail.
type appHandler func(w http.ResponseWriter, r *http.Request) error

// clientHandler is a browser-side handler for the identified person.
type clientHandler func(w http.ResponseWriter, r *http.Request, personID string) error

// app authenticates the App API key, then runs h.
func (s *Server) app(h appHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := s.checkAPIKey(r)
		if err == nil {
			err = s.checkRate(w)
		}
		if err == nil {
			err = h(w, r)
		}
		if err != nil {
			s.fail(w, r, err)
		}
	})
}

// checkAPIKey returns EUNAUTHORIZED unless r carries "Bearer <key>" with
// the configured key, compared in constant time.
func (s *Server) checkAPIKey(r *http.Request) error {
	scheme, key, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return Errorf(EUNAUTHORIZED, "missing API key: send the header Authorization: Bearer <app api key>")
	}
	if s.cfg.APIKey == "" || !secretEqual(strings.TrimSpace(key), s.cfg.APIKey) {
		return Errorf(EUNAUTHORIZED, "wrong API key")
	}
	return nil
}

// checkRate takes one request from the API key's rate limit, or returns
// ERATELIMIT with a Retry-After header (whole seconds, at least 1).
func (s *Server) checkRate(w http.ResponseWriter) error {
	ok, wait := s.limit.allow(s.cfg.APIKey, s.now())
	if ok {
		return nil
	}
	secs := int64(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.FormatInt(max(1, secs), 10))
	return Errorf(ERATELIMIT, "rate limit exceeded: at most %g requests per second per API key; retry after %d s", s.cfg.SendRateLimit, max(1, secs))
}

// client identifies the site and the person from the X-Roost-* headers,
// then runs h.
func (s *Server) client(h clientHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		site, user := r.Header.Get("X-Roost-Site"), r.Header.Get("X-Roost-User")
		var err error
		switch {
		case site == "":
			err = Errorf(EUNAUTHORIZED, "missing X-Roost-Site header")
		case s.cfg.SiteID == "" || !secretEqual(site, s.cfg.SiteID):
			err = Errorf(EUNAUTHORIZED, "unknown site %s", quote(site))
		case user == "":
			err = Errorf(EINVALID, "missing X-Roost-User header")
		default:
			err = ValidatePersonID(user)
		}
		if err == nil {
			err = s.checkSignature(user, r.Header.Get("X-Roost-Signature"))
		}
		if err == nil {
			err = h(w, r, user)
		}
		if err != nil {
			s.fail(w, r, err)
		}
	})
}

// secretEqual compares a and b in time independent of their contents.
func secretEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
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
	writeError(w, Errorf(EMETHOD, "method %s not allowed; allowed: %s", r.Method, strings.Join(allow, ", ")))
}

// cors adds the CORS headers of docs/protocol.md to every answer of h.
func cors(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Access-Control-Allow-Origin", "*")
		hd.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		hd.Set("Access-Control-Allow-Headers", "Content-Type, X-Roost-Site, X-Roost-User, X-Roost-Signature, If-None-Match")
		hd.Set("Access-Control-Expose-Headers", "ETag")
		hd.Set("Access-Control-Max-Age", "86400")
		h.ServeHTTP(w, r)
	})
}

// preflight answers a CORS preflight (the headers come from cors).
var preflight = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusNoContent)
})

// notFound answers any unknown path with 404.
func (s *Server) notFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, Errorf(ENOTFOUND, "no such route: %s %s", r.Method, quote(r.URL.Path)))
	})
}

// fail writes err as an error answer, logging it first if it is unexpected.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if ErrorCode(err) == EINTERNAL {
		s.cfg.Logger.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeError(w, err)
}

// errorBody is the body of every error answer.
type errorBody struct {
	Meta struct {
		Error string `json:"error"`
	} `json:"meta"`
}

// writeError writes err's status and {"meta":{"error":...}}.
func writeError(w http.ResponseWriter, err error) {
	var body errorBody
	body.Meta.Error = ErrorMessage(err)
	writeJSON(w, ErrorStatus(err), body)
}

// writeJSON writes v as a JSON answer with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only our own types are written: a bug
		status, b = http.StatusInternalServerError, []byte(`{"meta":{"error":"internal error"}}`)
	}
	writeBody(w, status, b)
}

// writeBody writes a JSON body b, then a newline, with status. It does not
// change b, which may be shared (a cached poll answer).
func writeBody(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	_, _ = w.Write(newline)
}

// newline ends every JSON body.
var newline = []byte{'\n'}

// readJSON decodes r's body, at most limit bytes of one JSON object, into v.
// Numbers decode as json.Number. Returns ETOOLARGE or EINVALID saying what is wrong.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return Errorf(ETOOLARGE, "request body is over %d bytes", limit)
	case err != nil:
		return Errorf(EINVALID, "could not read the request body: %v", err)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return Errorf(EINVALID, "malformed JSON: the request body is empty; send a JSON object")
	case trimmed[0] != '{':
		return Errorf(EINVALID, "malformed JSON: the request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return Errorf(EINVALID, "malformed JSON: %s", describeJSONError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(EINVALID, "malformed JSON: unexpected data after the JSON object")
	}
	return nil
}

// describeJSONError says in plain words what a decoding error means.
func describeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("%s (at byte %d)", syntax.Error(), syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("%s must be %s, not %s", quote(typ.Field), jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &typ):
		return fmt.Sprintf("expected %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends too early"
	}
	return err.Error()
}

// jsonKind names a Go kind as the JSON type it decodes from.
func jsonKind(kind string) string {
	switch kind {
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	}
	return "a " + kind
}
