package inbox_test

import (
	"strings"
)

// hostile is a poll answer a broken or hostile server could send, and what
// the runtime must make of it.
type hostile struct {
	name string
	body string
	// rejected: the whole answer is unusable (the loop backs off and polls again).
	rejected bool
	// shown are the delivery ids the store holds afterwards, in answer order.
	shown []string
	// reported are the delivery ids reported as message-errors, in order
	// ("" for a message whose id could not be recovered).
	reported []string
}

// good is a message that renders.
func good(id string) string {
	return `{"delivery_id":"` + id + `","channel":"inbox","topics":["orders"],"content":{"title":"Hi {{customer.name}} #{{trigger.n}}"},` +
		`"trigger":{"n":1},"customer":{"name":"Ada"},"sent_at_ms":1000}`
}

// with is a message like good(id) with extra (or repeated) fields.
func with(id, fields string) string {
	return `{"delivery_id":"` + id + `","channel":"inbox","content":{"title":"x"},"sent_at_ms":1000,` + fields + `}`
}

// answer is a poll answer holding msgs.
func answer(msgs ...string) string {
	return `{"messages":[` + strings.Join(msgs, ",") + `],"next_poll_ms":1000,"tier":"active"}`
}

// nested is a JSON value nested depth deep: arrays around a 1.
func nested(depth int) string {
	return strings.Repeat("[", depth) + "1" + strings.Repeat("]", depth)
}

// nestedObject is a JSON object nested depth deep.
func nestedObject(depth int) string {
	return strings.Repeat(`{"a":`, depth-1) + `{"a":1}` + strings.Repeat("}", depth-1)
}

// fine is what a poll answer of good("a") and good("b") around one poison message leaves.
var fine = []string{"a", "b"}

// hostileAnswers is the corpus: each poisons one message among good ones,
// or the envelope.
func hostileAnswers() []hostile {
	around := func(poison string) string { return answer(good("a"), poison, good("b")) }
	const maxData = 100 // inbox.MaxDataDepth, spelt out so the corpus runs against older decoders
	return []hostile{
		// Nesting (encoding/json refuses a document over 10,000 deep).
		{name: "trigger nested 9,998 deep", body: around(with("deep", `"trigger":{"d":`+nested(9998)+`}`)), shown: fine, reported: []string{"deep"}},
		{name: "trigger nested 20,000 deep", body: around(with("deep", `"trigger":{"d":`+nested(20000)+`}`)), shown: fine, reported: []string{"deep"}},
		{name: "trigger objects nested just past the limit", body: around(with("deep", `"trigger":`+nestedObject(maxData+1))), shown: fine, reported: []string{"deep"}},
		{name: "trigger objects nested to the limit", body: around(with("edge", `"trigger":`+nestedObject(maxData))), shown: []string{"a", "edge", "b"}},
		{name: "customer nested 20,000 deep", body: around(with("deep", `"customer":{"d":`+nested(20000)+`}`)), shown: fine, reported: []string{"deep"}},
		{name: "content nested 20,000 deep", body: around(`{"delivery_id":"deep","channel":"inbox","sent_at_ms":1,"content":{"x":` + nested(20000) + `}}`), shown: fine, reported: []string{"deep"}},
		{name: "unknown message field nested 20,000 deep", body: around(with("deep", `"extra":`+nested(20000))), shown: fine, reported: []string{"deep"}},
		{name: "message that is an array 20,000 deep", body: around(nested(20000)), shown: fine, reported: []string{""}},
		{name: "unknown answer field nested 20,000 deep", body: `{"junk":` + nested(20000) + `,"messages":[` + good("a") + `]}`, shown: []string{"a"}},
		{name: "every message nested 5,000 deep", body: answer(with("d1", `"trigger":{"d":`+nested(5000)+`}`), with("d2", `"trigger":{"d":`+nested(5000)+`}`)), reported: []string{"d1", "d2"}},

		// Messages that are not message objects.
		{name: "null message", body: around(`null`), shown: fine, reported: []string{""}},
		{name: "number message", body: around(`42`), shown: fine, reported: []string{""}},
		{name: "string message", body: around(`"hello"`), shown: fine, reported: []string{""}},
		{name: "empty object message", body: around(`{}`), shown: fine, reported: []string{""}},

		// Ids.
		{name: "missing delivery_id", body: around(`{"channel":"inbox","content":{"title":"x"}}`), shown: fine, reported: []string{""}},
		{name: "numeric delivery_id", body: around(`{"delivery_id":5,"channel":"inbox","content":{"title":"x"}}`), shown: fine, reported: []string{""}},
		{name: "object delivery_id", body: around(`{"delivery_id":{"a":1},"channel":"inbox","content":{"title":"x"}}`), shown: fine, reported: []string{""}},
		{name: "null delivery_id", body: around(`{"delivery_id":null,"channel":"inbox","content":{"title":"x"}}`), shown: fine, reported: []string{""}},
		{name: "invalid UTF-8 in delivery_id", body: around(with("bad\xff", `"type":"t"`)), shown: fine, reported: []string{"bad\uFFFD"}},
		{name: "control character in delivery_id", body: around(with(`bad\u0000`, `"type":"t"`)), shown: fine, reported: []string{"bad\x00"}},
		{name: "same delivery_id twice", body: answer(good("a"), with("a", `"type":"second"`), good("b")), shown: fine},

		// Fields of the wrong type, or out of range.
		{name: "channel is a number", body: around(with("bad", `"channel":5`)), shown: fine, reported: []string{"bad"}},
		{name: "unknown channel", body: around(`{"delivery_id":"bad","channel":"sms","content":{"title":"x"}}`), shown: fine, reported: []string{"bad"}},
		{name: "content is a string", body: around(`{"delivery_id":"bad","channel":"inbox","content":"x"}`), shown: fine, reported: []string{"bad"}},
		{name: "content missing", body: around(`{"delivery_id":"bad","channel":"inbox"}`), shown: fine, reported: []string{"bad"}},
		{name: "topics is a string", body: around(with("bad", `"topics":"orders"`)), shown: fine, reported: []string{"bad"}},
		{name: "topics holds a number", body: around(with("bad", `"topics":["a",7]`)), shown: fine, reported: []string{"bad"}},
		{name: "priority is a fraction", body: around(with("bad", `"priority":1.5`)), shown: fine, reported: []string{"bad"}},
		{name: "priority 1e400", body: around(with("bad", `"priority":1e400`)), shown: fine, reported: []string{"bad"}},
		{name: "sent_at_ms past int64", body: around(with("bad", `"sent_at_ms":99999999999999999999999`)), shown: fine, reported: []string{"bad"}},
		{name: "sent_at_ms is a string", body: around(with("bad", `"sent_at_ms":"1000"`)), shown: fine, reported: []string{"bad"}},
		{name: "opened is a string", body: around(with("bad", `"opened":"yes"`)), shown: fine, reported: []string{"bad"}},
		{name: "trigger is an array", body: around(with("bad", `"trigger":[]`)), shown: fine, reported: []string{"bad"}},
		{name: "customer is a string", body: around(with("bad", `"customer":"Ada"`)), shown: fine, reported: []string{"bad"}},
		{name: "in-app message with a bad page rule", body: around(`{"delivery_id":"bad","channel":"in_app","content":{"title":"x","page_rule":5}}`), shown: fine, reported: []string{"bad"}},

		// Broken JSON inside one message (brackets still match).
		{name: "bad literal in trigger", body: around(with("bad", `"trigger":{"x":tru}`)), shown: fine, reported: []string{"bad"}},
		{name: "NaN in trigger", body: around(with("bad", `"trigger":{"x":NaN}`)), shown: fine, reported: []string{"bad"}},
		{name: "raw newline in a string", body: around(with("bad", "\"trigger\":{\"x\":\"a\nb\"}")), shown: fine, reported: []string{"bad"}},
		{name: "mismatched brackets in content", body: around(`{"delivery_id":"bad","channel":"inbox","content":{"title":"x"]}`), shown: fine, reported: []string{"bad"}},
		{name: "escaped delivery_id of a broken message", body: around(`{"delivery_id":"b\u0061d","channel":"inbox","content":{"title":}}`), shown: fine, reported: []string{"bad"}},

		// Odd but readable data: kept.
		{name: "numbers no float holds", body: around(with("num", `"trigger":{"n":1e400,"m":123456789012345678901234567890,"k":-0.0}`)), shown: []string{"a", "num", "b"}},
		{name: "invalid UTF-8 in data", body: around(with("utf", "\"trigger\":{\"x\":\"\xff\xfe\xc3\"}")), shown: []string{"a", "utf", "b"}},
		{name: "duplicate keys in a message", body: around(`{"delivery_id":"x","delivery_id":"dup","channel":"sms","channel":"inbox","content":5,"content":{"title":"x"}}`), shown: []string{"a", "dup", "b"}},
		{name: "huge string", body: around(with("big", `"trigger":{"s":"`+strings.Repeat("x", 1<<20)+`"}`)), shown: []string{"a", "big", "b"}},
		{name: "unknown fields", body: `{"etag":5,"cursor":{"x":[1,{}]},"messages":[` + with("unk", `"zzz":{"a":[1,2,"]"]},"yyy":null`) + `],"more":"}"}`, shown: []string{"unk"}},
		{name: "brackets and quotes inside strings", body: around(with("str", `"trigger":{"s":"]}\"],{[\\","t":"\\\\"}`)), shown: []string{"a", "str", "b"}},

		// Envelope fields of the wrong type: the messages are kept.
		{name: "next_poll_ms is a string", body: `{"messages":[` + good("a") + `],"next_poll_ms":"soon"}`, shown: []string{"a"}},
		{name: "next_poll_ms 1e400", body: `{"messages":[` + good("a") + `],"next_poll_ms":1e400}`, shown: []string{"a"}},
		{name: "tier is an object", body: `{"messages":[` + good("a") + `],"tier":{"name":"active"}}`, shown: []string{"a"}},
		{name: "messages null", body: `{"messages":null,"next_poll_ms":1000}`},
		{name: "messages given twice, the last counts", body: `{"messages":5,"messages":[` + good("a") + `]}`, shown: []string{"a"}},
		{name: "escaped member name", body: `{"mess\u0061ges":[` + good("a") + `]}`, shown: []string{"a"}},

		// Unusable envelopes: rejected whole.
		{name: "empty body", body: ``, rejected: true},
		{name: "not JSON", body: `<html>502 Bad Gateway</html>`, rejected: true},
		{name: "array answer", body: `[` + good("a") + `]`, rejected: true},
		{name: "null answer", body: `null`, rejected: true},
		{name: "no messages member", body: `{"next_poll_ms":1000}`, rejected: true},
		{name: "messages is an object", body: `{"messages":{"a":` + good("a") + `}}`, rejected: true},
		{name: "messages is a string", body: `{"messages":"[]"}`, rejected: true},
		{name: "truncated in a message", body: answer(good("a"), good("b"))[:len(good("a"))+40], rejected: true},
		{name: "truncated in a string", body: `{"messages":[` + good("a") + `,{"delivery_id":"b`, rejected: true},
		{name: "message missing a closing brace", body: `{"messages":[{"delivery_id":"u","content":{"title":"x"},` + good("b") + `]}`, rejected: true},
		{name: "garbage after the answer", body: answer(good("a")) + `{"messages":[]}`, rejected: true},
		{name: "bad literal in the envelope", body: `{"messages":[` + good("a") + `],"next_poll_ms":tru}`, rejected: true},
		{name: "missing comma between messages", body: `{"messages":[` + good("a") + good("b") + `]}`, rejected: true},
	}
}
