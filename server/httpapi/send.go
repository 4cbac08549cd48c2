package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/roostmsg/roost/server"
)

// sendRequest is the body of POST /v1/send/inbox_message and /v1/send/in_app.
// Unknown fields are ignored, as the seed API does for fields of other channels.
type sendRequest struct {
	TransactionalMessageID  json.RawMessage            `json:"transactional_message_id"`
	Identifiers             map[string]json.RawMessage `json:"identifiers"`
	MessageData             json.RawMessage            `json:"message_data"`
	SendAt                  json.RawMessage            `json:"send_at"`
	Language                json.RawMessage            `json:"language"`
	DisableMessageRetention json.RawMessage            `json:"disable_message_retention"`
	QueueDraft              json.RawMessage            `json:"queue_draft"`
	SendToUnsubscribed      json.RawMessage            `json:"send_to_unsubscribed"`
	AutoCreate              json.RawMessage            `json:"auto_create"`
}

// sendResponse is the 200 answer to a send.
type sendResponse struct {
	DeliveryID string `json:"delivery_id"`
	QueuedAt   int64  `json:"queued_at"`
	SendAt     int64  `json:"send_at,omitempty"`
}

// sendHandler returns the handler that queues a template of channel.
func (h *Handler) sendHandler(channel string) appHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var body sendRequest
		if err := readJSON(w, r, MaxSendBody, &body); err != nil {
			return err
		}
		req, err := decodeSend(&body)
		if err != nil {
			return err
		}
		req.Channel = channel
		d, err := h.srv.Send(r.Context(), req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, sendAnswer(d))
		return nil
	}
}

// sendAnswer is the 200 answer to a send or a sent draft of d; send_at
// only when d is scheduled for later.
func sendAnswer(d *server.Delivery) sendResponse {
	resp := sendResponse{DeliveryID: d.ID, QueuedAt: d.QueuedAt.Unix()}
	if d.SendAt.After(d.QueuedAt) {
		resp.SendAt = d.SendAt.Unix()
	}
	return resp
}

// decodeSend checks the types of a send body's fields and returns the send
// it asks for (without its channel).
func decodeSend(b *sendRequest) (server.SendRequest, error) {
	var req server.SendRequest
	var err error
	if req.SendAt, err = decodeSendAt(b.SendAt); err != nil {
		return req, err
	}
	if !isNull(b.Language) {
		if json.Unmarshal(b.Language, &req.Language) != nil || !server.ValidLanguage(req.Language) {
			return req, server.Errorf(server.EINVALID, `"language" must be a language tag like "fr" or "pt-BR"`)
		}
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  **bool
	}{
		{"disable_message_retention", b.DisableMessageRetention, &req.DisableRetention},
		{"queue_draft", b.QueueDraft, &req.QueueDraft},
		{"send_to_unsubscribed", b.SendToUnsubscribed, &req.SendToUnsubscribed},
	} {
		if *f.dst, err = decodeBool(f.name, f.raw); err != nil {
			return req, err
		}
	}
	auto, err := decodeBool("auto_create", b.AutoCreate)
	if err != nil {
		return req, err
	}
	req.AutoCreate = auto != nil && *auto
	if req.IdentifierKind, req.Identifier, err = decodeIdentifiers(b.Identifiers); err != nil {
		return req, err
	}
	if req.Data, err = decodeMessageData(b.MessageData); err != nil {
		return req, err
	}
	req.TemplateID, req.TemplateName, err = decodeTemplateRef(b.TransactionalMessageID)
	return req, err
}

// decodeSendAt returns the time send_at names (unix seconds, an integer),
// zero when absent; EINVALID when not a number.
func decodeSendAt(raw json.RawMessage) (time.Time, error) {
	if isNull(raw) {
		return time.Time{}, nil
	}
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return time.Time{}, server.Errorf(server.EINVALID, `"send_at" must be a unix timestamp in seconds`)
	}
	secs, err := n.Int64()
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil || f != f || f > 1e15 || f < -1e15 {
			return time.Time{}, server.Errorf(server.EINVALID, `"send_at" must be a unix timestamp in seconds`)
		}
		secs = int64(f)
	}
	return time.Unix(secs, 0), nil
}

// decodeBool decodes an optional boolean field: nil when absent or null.
func decodeBool(name string, raw json.RawMessage) (*bool, error) {
	if isNull(raw) {
		return nil, nil
	}
	var b bool
	if json.Unmarshal(raw, &b) != nil {
		return nil, server.Errorf(server.EINVALID, "%s must be true or false", server.Quote(name))
	}
	return &b, nil
}

// decodeTemplateRef returns what transactional_message_id names: a
// positive id (a JSON number), or a name (a JSON string).
func decodeTemplateRef(raw json.RawMessage) (int, string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if len(raw) == 0 || dec.Decode(&v) != nil || v == nil {
		return 0, "", server.Errorf(server.EINVALID, `"transactional_message_id" is required`)
	}
	switch v := v.(type) {
	case json.Number:
		id, err := strconv.Atoi(v.String())
		if err != nil || id <= 0 {
			return 0, "", server.Errorf(server.EINVALID, server.MsgTemplateNotFound)
		}
		return id, "", nil
	case string:
		return 0, v, nil
	}
	return 0, "", server.Errorf(server.EINVALID, `"transactional_message_id" must be a number or a string`)
}

// decodeIdentifiers checks that m names exactly one of id, email, cio_id,
// and returns which and its value.
func decodeIdentifiers(m map[string]json.RawMessage) (kind, value string, err error) {
	const oneOf = "exactly one of id, email, cio_id"
	found := 0
	for k, raw := range m {
		if k != server.IdentifierID && k != server.IdentifierEmail && k != server.IdentifierCioID {
			return "", "", server.Errorf(server.EINVALID, `unknown identifier %s: "identifiers" must have %s`, server.Quote(k), oneOf)
		}
		if string(raw) == "null" {
			continue
		}
		v, err := identifierValue(k, raw)
		if err != nil {
			return "", "", err
		}
		kind, value = k, v
		found++
	}
	switch found {
	case 0:
		return "", "", server.Errorf(server.EINVALID, `"identifiers" is required and must have %s`, oneOf)
	case 1:
		return kind, value, nil
	}
	return "", "", server.Errorf(server.EINVALID, `conflicting identifiers: "identifiers" must have %s`, oneOf)
}

// identifierValue returns the text of one identifier: a non-empty string,
// or for id and cio_id also an integer.
func identifierValue(kind string, raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		n := strings.TrimPrefix(string(raw), "-")
		if kind == server.IdentifierEmail || !server.IsDigits(n) {
			return "", server.Errorf(server.EINVALID, `"identifiers.%s" must be a string`, kind)
		}
		s = string(raw)
	}
	if strings.TrimSpace(s) == "" {
		return "", server.Errorf(server.EINVALID, `"identifiers.%s" must not be empty`, kind)
	}
	if kind == server.IdentifierEmail && !strings.Contains(s, "@") {
		return "", server.Errorf(server.EINVALID, `"identifiers.email" is not an email address`)
	}
	if err := server.ValidatePersonID(s); err != nil {
		return "", server.Errorf(server.EINVALID, `"identifiers.%s": %s`, kind, server.ErrorMessage(err))
	}
	return s, nil
}

// decodeMessageData decodes message_data, which must be a JSON object or absent.
func decodeMessageData(raw json.RawMessage) (map[string]any, error) {
	if isNull(raw) {
		return nil, nil
	}
	var data map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return nil, server.Errorf(server.EINVALID, `"message_data" must be an object`)
	}
	return data, nil
}
