package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
)

// validTemplate is a normalized template Validate accepts.
func validTemplate() *Template {
	return &Template{ID: 7, Name: "Order shipped", TriggerName: "order_shipped", Channel: inbox.ChannelInbox,
		Topics: []string{"orders"}, Contents: []Content{
			{ID: 1, Language: "", Body: json.RawMessage(`{"title":"Shipped"}`)},
			{ID: 2, Language: "fr", Body: json.RawMessage(`{"title":"Expédiée"}`)},
		}}
}

// TestTemplate_Validate: the form rules of a template (ids, trigger
// names, expiry, the sizes of names and the description, contents), each
// at its bound: the last value allowed passes, the first beyond it is an
// EINVALID error saying what is wrong.
func TestTemplate_Validate(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	nameTooLong := fmt.Sprintf("at most %d bytes", MaxNameLen)
	idTooLong := fmt.Sprintf("is longer than %d bytes", MaxNameLen) // the identifier rule (CheckIdentifier)
	expiryRange := fmt.Sprintf("expires_after_days must be between 0 and %d", MaxExpiresAfterDays)
	for _, tt := range []struct {
		name   string
		change func(tm *Template)
		err    string // "" when valid
	}{
		{"OKValid", func(tm *Template) {}, ""},

		{"OKIDOne", func(tm *Template) { tm.ID = 1 }, ""},
		{"ErrIDZero", func(tm *Template) { tm.ID = 0 }, "template id must be a positive integer"},
		{"ErrIDNegative", func(tm *Template) { tm.ID = -3 }, "template id must be a positive integer"},

		{"ErrNameMissing", func(tm *Template) { tm.Name = "" }, "name is required"},
		{"ErrNameBlank", func(tm *Template) { tm.Name = " \t" }, "name is required"},
		{"OKNameAtLimit", func(tm *Template) { tm.Name = long(MaxNameLen) }, ""},
		{"ErrNameTooLong", func(tm *Template) { tm.Name = long(MaxNameLen + 1) }, nameTooLong},
		{"ErrNameNotUTF8", func(tm *Template) { tm.Name = "caf\xe9" }, "not valid UTF-8"},

		{"ErrTriggerMissing", func(tm *Template) { tm.TriggerName = "" }, "trigger_name is required"},
		{"ErrTriggerBlank", func(tm *Template) { tm.TriggerName = "  " }, "trigger_name is required"},
		{"ErrTriggerSpaces", func(tm *Template) { tm.TriggerName = " order_shipped" }, "white space at its start or end"},
		{"ErrTriggerTrailingNewline", func(tm *Template) { tm.TriggerName = "order_shipped\n" }, "white space at its start or end"},
		{"ErrTriggerDigits", func(tm *Template) { tm.TriggerName = "12" }, "must not be a number"},
		{"ErrTriggerZero", func(tm *Template) { tm.TriggerName = "0" }, "must not be a number"},
		{"OKTriggerDigitsAndLetter", func(tm *Template) { tm.TriggerName = "12a" }, ""},
		{"OKTriggerInnerSpace", func(tm *Template) { tm.TriggerName = "order shipped" }, ""},
		{"OKTriggerAtLimit", func(tm *Template) { tm.TriggerName = long(MaxNameLen) }, ""},
		{"ErrTriggerTooLong", func(tm *Template) { tm.TriggerName = long(MaxNameLen + 1) }, idTooLong},
		{"ErrTriggerNotUTF8", func(tm *Template) { tm.TriggerName = "order\xff" }, "not valid UTF-8"},

		{"OKInApp", func(tm *Template) { tm.Channel = inbox.ChannelInApp }, ""},
		{"ErrChannelMissing", func(tm *Template) { tm.Channel = "" }, "channel must be"},
		{"ErrChannelUnknown", func(tm *Template) { tm.Channel = "email" }, "channel must be"},

		{"OKExpiryDefault", func(tm *Template) { tm.ExpiresAfterDays = 0 }, ""},
		{"OKExpiryAtLimit", func(tm *Template) { tm.ExpiresAfterDays = MaxExpiresAfterDays }, ""},
		{"ErrExpiryTooLong", func(tm *Template) { tm.ExpiresAfterDays = MaxExpiresAfterDays + 1 }, expiryRange},
		{"ErrExpiryNegative", func(tm *Template) { tm.ExpiresAfterDays = -1 }, expiryRange},

		{"OKDescriptionAtLimit", func(tm *Template) { tm.Description = long(MaxDescriptionLen) }, ""},
		{"ErrDescriptionTooLong", func(tm *Template) { tm.Description = long(MaxDescriptionLen + 1) }, fmt.Sprintf("description must be UTF-8 of at most %d bytes", MaxDescriptionLen)},
		{"ErrDescriptionNotUTF8", func(tm *Template) { tm.Description = "\xc3" }, "description must be UTF-8"},

		{"OKTypeAtLimit", func(tm *Template) { tm.Type = long(MaxNameLen) }, ""},
		{"ErrTypeTooLong", func(tm *Template) { tm.Type = long(MaxNameLen + 1) }, idTooLong},
		{"OKTopicAtLimit", func(tm *Template) { tm.Topics = []string{long(MaxNameLen)} }, ""},
		{"ErrTopicTooLong", func(tm *Template) { tm.Topics = []string{"orders", long(MaxNameLen + 1)} }, idTooLong},
		{"ErrTopicEmpty", func(tm *Template) { tm.Topics = []string{""} }, "topic \"\" is empty"},
		{"ErrTopicNotUTF8", func(tm *Template) { tm.Topics = []string{"\xff"} }, "is not valid UTF-8"},

		{"ErrNotNormalized", func(tm *Template) { tm.Content = json.RawMessage(`{"title":"x"}`) }, "not normalized"},
		{"ErrNoDefaultContent", func(tm *Template) { tm.Contents = tm.Contents[1:] }, "a default content"},
		{"ErrNoContents", func(tm *Template) { tm.Contents = nil }, "a default content"},
		{"ErrTwoDefaults", func(tm *Template) { tm.Contents[1].Language = "" }, "appears twice"},
		{"ErrContentIDTwice", func(tm *Template) { tm.Contents[1].ID = 1 }, "content id 1 appears twice"},
		{"ErrContentIDZero", func(tm *Template) { tm.Contents[1].ID = 0 }, "content ids must be positive integers"},
		{"ErrLanguageTwiceIgnoringCase", func(tm *Template) {
			tm.Contents = append(tm.Contents, Content{ID: 3, Language: "FR", Body: json.RawMessage(`{}`)})
		}, `language "FR" appears twice`},
		{"ErrLanguageTwiceUnderscore", func(tm *Template) {
			tm.Contents = append(tm.Contents, Content{ID: 3, Language: "pt-BR", Body: json.RawMessage(`{}`)},
				Content{ID: 4, Language: "pt_br", Body: json.RawMessage(`{}`)})
		}, `language "pt_br" appears twice`},
		{"ErrLanguageNotATag", func(tm *Template) { tm.Contents[1].Language = "f r" }, "must be a tag like"},
		{"ErrLanguageTooLong", func(tm *Template) { tm.Contents[1].Language = long(MaxNameLen + 1) }, "must be a tag like"},
		{"OKLanguageAtLimit", func(tm *Template) { tm.Contents[1].Language = long(MaxNameLen) }, ""},
		{"ErrBodyNotObject", func(tm *Template) { tm.Contents[1].Body = json.RawMessage(`["x"]`) }, "body must be a JSON object"},
		{"ErrBodyNull", func(tm *Template) { tm.Contents[0].Body = json.RawMessage(`null`) }, "body must be a JSON object"},
		{"ErrBodyMissing", func(tm *Template) { tm.Contents[0].Body = nil }, "body must be a JSON object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tm := validTemplate()
			tt.change(tm)
			err := tm.Validate()
			if tt.err == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, EINVALID, ErrorCode(err), "a client's mistake: a 400")
			assert.Contains(t, ErrorMessage(err), tt.err)
		})
	}
}
