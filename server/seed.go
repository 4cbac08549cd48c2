package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/roostmsg/roost/render"
)

// Seed is the content of a seed file: templates to upsert and people to
// create when missing.
type Seed struct {
	// Templates are upserted by id when the file's text of them changed.
	Templates []Template `json:"templates"`
	// sources are the file's text of each template, compacted.
	sources []string
	// People are created with their attributes unless they already exist.
	People []Person `json:"people"`
}

// LoadSeed reads the seed file at path and applies it to store: it upserts
// every template whose text in the file changed since it was last loaded
// (so a template edited or deleted over HTTP stays as it is until the file's
// version of it changes), and creates every person that does not exist yet
// (an existing person is left as they are). Loading the same file again
// changes nothing.
func LoadSeed(ctx context.Context, store Store, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	seed, err := ParseSeed(data)
	if err != nil {
		return fmt.Errorf("seed %s: %w", path, err)
	}
	for i := range seed.Templates {
		if _, err := store.SeedTemplate(ctx, &seed.Templates[i], seed.sources[i]); err != nil {
			return fmt.Errorf("seed %s: templates[%d]: %w", path, i, err)
		}
	}
	for i := range seed.People {
		if _, err := store.CreatePersonIfMissing(ctx, &seed.People[i]); err != nil {
			return fmt.Errorf("seed %s: people[%d]: %w", path, i, err)
		}
	}
	return nil
}

// ParseSeed decodes and validates a seed file, normalizing its templates
// and checking their Liquid syntax. Unknown fields are errors, so a typo in
// the file does not pass silently.
func ParseSeed(data []byte) (*Seed, error) {
	var seed Seed
	var raw struct {
		Templates []json.RawMessage `json:"templates"`
	}
	if err := json.Unmarshal(data, &raw); err == nil {
		for _, t := range raw.Templates {
			var buf bytes.Buffer
			_ = json.Compact(&buf, t)
			seed.sources = append(seed.sources, buf.String())
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&seed); err != nil {
		return nil, Errorf(EINVALID, "malformed JSON: %s", DescribeJSONError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, Errorf(EINVALID, "malformed JSON: unexpected data after the JSON object")
	}
	ids, triggers := map[int]bool{}, map[string]bool{}
	r := render.New()
	for i := range seed.Templates {
		t := &seed.Templates[i]
		err := t.Normalize()
		if err == nil {
			err = t.Validate()
		}
		if err == nil {
			err = CheckLiquid(r, t)
		}
		if err != nil {
			return nil, fmt.Errorf("templates[%d]: %w", i, err)
		}
		if ids[t.ID] || triggers[TriggerKey(t.TriggerName)] {
			return nil, Errorf(EINVALID, "templates[%d]: id %d or trigger_name %s appears twice", i, t.ID, Quote(t.TriggerName))
		}
		ids[t.ID], triggers[TriggerKey(t.TriggerName)] = true, true
	}
	for i := range seed.People {
		p := &seed.People[i]
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("people[%d]: %w", i, err)
		}
		if p.Attributes == nil {
			p.Attributes = map[string]any{}
		}
	}
	return &seed, nil
}
