package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The control page (/control) plays the shop's backend: it sends the seed's
// example templates to the demo person. It holds no API key: it posts to
// /api/demo/send, and the site's backend calls the message server's send API
// over HTTP with the key, as any other backend would.

// demoTemplate is one example template of the seed as the control page offers it.
type demoTemplate struct {
	// Template is the template's trigger name, what a send names.
	Template string `json:"template"`
	// Name is the template's name in the seed.
	Name string `json:"name"`
	// Channel is "inbox" or "in_app", as in the seed.
	Channel string `json:"channel"`
	// Topics are the template's topics, as in the seed.
	Topics []string `json:"topics"`
	// Description says what the message is for and where it shows.
	Description string `json:"description"`
	// Fields are the template's {{trigger.*}} values, in form order.
	Fields []demoField `json:"fields"`
	// Languages are the template's localized variants besides the default.
	Languages []demoLanguage `json:"languages"`
}

// demoField is one message_data value of a template.
type demoField struct {
	Name   string `json:"name"`
	Label  string `json:"label"`
	Sample string `json:"sample"`
	// Hint is shown under the field; optional.
	Hint string `json:"hint,omitempty"`
	// Multiline asks for a text area.
	Multiline bool `json:"multiline,omitempty"`
}

// demoLanguage is a localized variant of a template.
type demoLanguage struct {
	Tag   string `json:"tag"`
	Label string `json:"label"`
}

// demoTemplates are the seed's templates (seed.json) with sample values;
// TestDemoTemplatesMatchTheSeed keeps the two in step.
var demoTemplates = []demoTemplate{
	{
		Template: "order_shipped", Name: "Order shipped", Channel: "inbox", Topics: []string{"orders"},
		Description: "Tells the customer their order is on its way, with a tracking link. Arrives in the inbox under Orders.",
		Fields: []demoField{
			{Name: "order_id", Label: "Order number", Sample: "ORD-5678"},
			{Name: "product_name", Label: "Product", Sample: "Blue Widget"},
			{Name: "tracking_url", Label: "Tracking link", Sample: "https://track.example.com/5678"},
		},
		Languages: []demoLanguage{{Tag: "fr", Label: "French"}},
	},
	{
		Template: "comment_reply", Name: "Comment reply", Channel: "inbox", Topics: []string{"social"},
		Description: "Someone answered the customer's comment on the journal. Arrives in the inbox under Social; the excerpt is cut at 80 characters.",
		Fields: []demoField{
			{Name: "author_name", Label: "Who replied", Sample: "Grace"},
			{Name: "reply_excerpt", Label: "Reply", Sample: "Mine got softer after a few washes too. Line-dry it and it keeps its shape for years!", Multiline: true},
			{Name: "post_title", Label: "Journal post", Sample: "Caring for linen"},
			{Name: "post_url", Label: "Post link", Sample: "/journal/caring-for-linen"},
		},
	},
	{
		Template: "welcome_offer", Name: "Welcome offer", Channel: "in_app", Topics: []string{"offers"},
		Description: "A first-order discount, shown once as a pop-up in one open tab of the shop.",
		Fields: []demoField{
			{Name: "discount", Label: "Discount", Sample: "15%", Hint: "Leave it empty for the template's default, 10%."},
		},
	},
	{
		Template: "maintenance_notice", Name: "Maintenance notice", Channel: "in_app", Topics: []string{"service"},
		Description: "Warns of a read-only window, as a banner along the top of one open tab of the shop that stays, after a reload too, until the customer closes it.",
		Fields: []demoField{
			{Name: "date", Label: "Date", Sample: "Sunday 30 November"},
			{Name: "start", Label: "From (UTC)", Sample: "02:00"},
			{Name: "end", Label: "To (UTC)", Sample: "03:30"},
		},
	},
}

// findDemoTemplate returns the demo template with trigger name name, or nil.
func findDemoTemplate(name string) *demoTemplate {
	for i := range demoTemplates {
		if demoTemplates[i].Template == name {
			return &demoTemplates[i]
		}
	}
	return nil
}

// demoTemplateNames lists the demo templates' names, for error messages.
func demoTemplateNames() string {
	names := make([]string, len(demoTemplates))
	for i, t := range demoTemplates {
		names[i] = t.Template
	}
	return strings.Join(names, ", ")
}

// Limits of a demo send.
const (
	maxDemoBody    = 16 << 10 // bytes of a request body
	maxDemoValue   = 1000     // bytes of one message_data value
	maxDemoSendIn  = 24 * 60 * 60
	demoAPITimeout = 10 * time.Second
)

// demoTemplatesHandler answers GET /api/demo/templates: the templates the
// control page offers and the person it sends to.
func demoTemplatesHandler() http.Handler {
	body, err := json.Marshal(struct {
		Person    string         `json:"person"`
		Templates []demoTemplate `json:"templates"`
	}{demoUser, demoTemplates})
	if err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(append(body, '\n'))
	})
}

// demoSendRequest is the body of POST /api/demo/send. Each field is decoded
// on its own, so a wrong type gets an error that names the field.
type demoSendRequest struct {
	// Template is a demo template's trigger name; required.
	Template json.RawMessage `json:"template"`
	// Data is the message_data: an object of strings, each a field of the template.
	Data json.RawMessage `json:"data"`
	// SendIn is how many seconds from now the message shows (0 or absent: now).
	SendIn json.RawMessage `json:"send_in"`
	// Language is a localized variant of the template ("" or absent: the default).
	Language json.RawMessage `json:"language"`
}

// sendAPIBody is the body the demo posts to /v1/send/*.
type sendAPIBody struct {
	TransactionalMessageID string            `json:"transactional_message_id"`
	Identifiers            map[string]string `json:"identifiers"`
	MessageData            map[string]string `json:"message_data"`
	SendAt                 int64             `json:"send_at,omitempty"`
	Language               string            `json:"language,omitempty"`
}

// demoSendAnswer is the answer of POST /api/demo/send: the send API's answer
// (delivery_id, queued_at, send_at; or meta.error), with what was sent where.
type demoSendAnswer struct {
	DeliveryID string          `json:"delivery_id,omitempty"`
	QueuedAt   int64           `json:"queued_at,omitempty"`
	SendAt     int64           `json:"send_at,omitempty"`
	Meta       *demoErrorMeta  `json:"meta,omitempty"`
	Endpoint   string          `json:"endpoint,omitempty"`
	Request    json.RawMessage `json:"request,omitempty"`
}

type demoErrorMeta struct {
	Error string `json:"error"`
}

// demoSender serves POST /api/demo/send.
type demoSender struct {
	apiKey string
	now    func() time.Time
	client *http.Client
}

// demoSendHandler returns the handler of POST /api/demo/send: it checks the
// control page's request, sends the template to demoUser through the message
// server's send API on the address the request came in on (the site's own,
// never one the request names), with the App API key, and relays the answer.
func demoSendHandler(apiKey string, now func() time.Time) http.Handler {
	if now == nil {
		now = time.Now
	}
	return &demoSender{apiKey: apiKey, now: now, client: &http.Client{
		Timeout: demoAPITimeout,
		// The send API does not redirect; the key goes nowhere else.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (d *demoSender) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeDemo(w, http.StatusMethodNotAllowed, demoSendAnswer{Meta: &demoErrorMeta{"method not allowed: use POST"}})
		return
	}
	// Only JSON: a page of another site cannot post JSON here without a
	// CORS preflight, which this site does not answer.
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		writeDemo(w, http.StatusUnsupportedMediaType, demoSendAnswer{Meta: &demoErrorMeta{`the request body must be JSON (Content-Type: application/json)`}})
		return
	}
	body, status, err := d.parse(w, r)
	if err != nil {
		writeDemo(w, status, demoSendAnswer{Meta: &demoErrorMeta{err.Error()}})
		return
	}
	endpoint := "/v1/send/inbox_message"
	if findDemoTemplate(body.TransactionalMessageID).Channel == "in_app" {
		endpoint = "/v1/send/in_app"
	}
	raw, err := json.Marshal(body)
	if err != nil {
		writeDemo(w, http.StatusInternalServerError, demoSendAnswer{Meta: &demoErrorMeta{"internal error"}})
		return
	}
	answer := demoSendAnswer{Endpoint: "POST " + endpoint, Request: raw}
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		answer.Meta = &demoErrorMeta{"the site cannot tell its own address to reach the send API"}
		writeDemo(w, http.StatusInternalServerError, answer)
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, scheme+"://"+local.String()+endpoint, bytes.NewReader(raw))
	if err != nil {
		answer.Meta = &demoErrorMeta{"internal error"}
		writeDemo(w, http.StatusInternalServerError, answer)
		return
	}
	req.Header.Set("Authorization", "Bearer "+d.apiKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := d.client.Do(req)
	if err != nil {
		answer.Meta = &demoErrorMeta{"the send API did not answer: " + err.Error()}
		writeDemo(w, http.StatusBadGateway, answer)
		return
	}
	defer res.Body.Close()
	got, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		answer.Meta = &demoErrorMeta{"the send API's answer could not be read: " + err.Error()}
		writeDemo(w, http.StatusBadGateway, answer)
		return
	}
	var sent struct {
		DeliveryID string         `json:"delivery_id"`
		QueuedAt   int64          `json:"queued_at"`
		SendAt     int64          `json:"send_at"`
		Meta       *demoErrorMeta `json:"meta"`
	}
	decodeErr := json.Unmarshal(got, &sent)
	if res.StatusCode == http.StatusOK && decodeErr == nil && sent.DeliveryID != "" {
		answer.DeliveryID, answer.QueuedAt, answer.SendAt = sent.DeliveryID, sent.QueuedAt, sent.SendAt
		writeDemo(w, http.StatusOK, answer)
		return
	}
	msg := strings.TrimSpace(string(got))
	if decodeErr == nil && sent.Meta != nil && sent.Meta.Error != "" {
		msg = sent.Meta.Error
	}
	if len(msg) > 500 {
		msg = msg[:500] + "…"
	}
	answer.Meta = &demoErrorMeta{fmt.Sprintf("the send API answered %d: %s", res.StatusCode, msg)}
	status = http.StatusBadGateway // the site's own fault (its key, its server), not the page's
	switch res.StatusCode {
	case http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests:
		status = res.StatusCode
		if v := res.Header.Get("Retry-After"); v != "" {
			w.Header().Set("Retry-After", v)
		}
	}
	writeDemo(w, status, answer)
}

// parse reads and checks the control page's request, and returns the send
// API body it asks for; or an error for the page, with its status.
func (d *demoSender) parse(w http.ResponseWriter, r *http.Request) (*sendAPIBody, int, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxDemoBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("the request body is over %d bytes", maxDemoBody)
	} else if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("the request body could not be read: %v", err)
	}
	bad := func(format string, args ...any) (*sendAPIBody, int, error) {
		return nil, http.StatusBadRequest, fmt.Errorf(format, args...)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) {
		return bad(`malformed JSON: the body must be a JSON object, like {"template": "order_shipped", "data": {"order_id": "ORD-5678"}}`)
	}
	var req demoSendRequest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return bad(`unknown field %s: send {"template", "data", "send_in", "language"}; the demo always sends to %s`, name, demoUser)
		}
		return bad("malformed JSON: %v", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("malformed JSON: unexpected data after the JSON object")
	}

	var name string
	if isNull(req.Template) {
		return bad(`"template" is required: one of %s`, demoTemplateNames())
	}
	if json.Unmarshal(req.Template, &name) != nil {
		return bad(`"template" must be a string: one of %s`, demoTemplateNames())
	}
	t := findDemoTemplate(name)
	if t == nil {
		return bad(`unknown template %q: choose one of %s`, name, demoTemplateNames())
	}

	body := &sendAPIBody{TransactionalMessageID: t.Template, Identifiers: map[string]string{"id": demoUser}, MessageData: map[string]string{}}
	if !isNull(req.Data) {
		var fields map[string]json.RawMessage
		if json.Unmarshal(req.Data, &fields) != nil || fields == nil {
			return bad(`"data" must be an object of strings, like {"order_id": "ORD-5678"}`)
		}
		known := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			known[i] = f.Name
		}
		for k, v := range fields {
			if !slices.Contains(known, k) {
				return bad(`%s has no field %q: its fields are %s`, t.Template, k, strings.Join(known, ", "))
			}
			var s string
			if json.Unmarshal(v, &s) != nil {
				return bad(`"data.%s" must be a string`, k)
			}
			if len(s) > maxDemoValue || !utf8.ValidString(s) {
				return bad(`"data.%s" must be text of at most %d bytes`, k, maxDemoValue)
			}
			body.MessageData[k] = s
		}
	}

	if !isNull(req.SendIn) {
		var v any
		dec := json.NewDecoder(bytes.NewReader(req.SendIn))
		dec.UseNumber()
		_ = dec.Decode(&v)
		n, isNumber := v.(json.Number)
		secs, err := n.Int64()
		if !isNumber || err != nil || secs < 0 || secs > maxDemoSendIn {
			return bad(`"send_in" must be a whole number of seconds from 0 to %d`, maxDemoSendIn)
		}
		if secs > 0 {
			body.SendAt = d.now().Add(time.Duration(secs) * time.Second).Unix()
		}
	}

	if !isNull(req.Language) {
		var lang string
		if json.Unmarshal(req.Language, &lang) != nil {
			return bad(`"language" must be a string`)
		}
		if lang != "" {
			tags := make([]string, len(t.Languages))
			for i, l := range t.Languages {
				tags[i] = l.Tag
			}
			switch {
			case len(tags) == 0:
				return bad(`%s has only its default language; leave "language" out`, t.Template)
			case !slices.Contains(tags, lang):
				return bad(`%s has no %q variant: its languages are %s, or leave "language" out for the default`, t.Template, lang, strings.Join(tags, ", "))
			}
			body.Language = lang
		}
	}
	return body, http.StatusOK, nil
}

// isNull reports whether a field was left out or null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

func writeDemo(w http.ResponseWriter, status int, a demoSendAnswer) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(a)
}
