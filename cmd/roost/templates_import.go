package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/roostmsg/roost/server"
)

// importPlan is what importing a seed file into a database does, worked
// out before anything is written, so that an import with a conflict
// writes nothing.
type importPlan struct {
	// writes are the templates to create or replace, in an order in which
	// each finds its trigger name free when it is written.
	writes []*server.Template
	// people are the people of the file the database does not have.
	people []*server.Person

	created, replaced, unchanged int
	// replacing are the conflicts -replace allows: a template of the file
	// whose id is a template with another trigger name in the database.
	replacing []string
	// taken are the conflicts nothing allows: a template of the file whose
	// trigger name is another stored template's, which the file leaves be;
	// cycle says which templates trade trigger names, if any do.
	taken []string
	cycle []int
}

// planImport works out what importing seed into store does; a nil store
// stands for a database that does not exist yet.
func planImport(ctx context.Context, store server.Store, seed *server.Seed) (*importPlan, error) {
	var stored []*server.Template
	if store != nil {
		var err error
		if stored, err = store.ListTemplates(ctx); err != nil {
			return nil, err
		}
	}
	byID, holder := map[int]*server.Template{}, map[string]int{} // trigger key -> id
	for _, t := range stored {
		byID[t.ID], holder[server.TriggerKey(t.TriggerName)] = t, t.ID
	}
	inFile := map[int]bool{}
	for _, t := range seed.Templates {
		inFile[t.ID] = true
	}
	p := &importPlan{}
	for i := range seed.Templates {
		t := &seed.Templates[i]
		if other, ok := holder[server.TriggerKey(t.TriggerName)]; ok && other != t.ID && !inFile[other] {
			p.taken = append(p.taken, fmt.Sprintf("template %d's trigger_name %s is template %d's in the database",
				t.ID, server.Quote(t.TriggerName), other))
		}
		old := byID[t.ID]
		switch {
		case old == nil:
			p.created++
			p.writes = append(p.writes, t)
		case sameTemplate(old, t):
			p.unchanged++
		default:
			if server.TriggerKey(old.TriggerName) != server.TriggerKey(t.TriggerName) {
				p.replacing = append(p.replacing, fmt.Sprintf("template %d is %s in the database, %s in the file",
					t.ID, server.Quote(old.TriggerName), server.Quote(t.TriggerName)))
			}
			p.replaced++
			p.writes = append(p.writes, t)
		}
	}
	if len(p.taken) == 0 {
		p.order(holder, byID)
	}
	for i := range seed.People {
		person := &seed.People[i]
		if store != nil {
			_, err := store.FindPerson(ctx, person.ID)
			if err == nil {
				continue
			} else if server.ErrorCode(err) != server.ENOTFOUND {
				return nil, err
			}
		}
		p.people = append(p.people, person)
	}
	return p, nil
}

// order sorts p.writes so that UpsertTemplate, which refuses a trigger
// name another template has, accepts each in turn; holder maps the stored
// trigger keys to their template's id. Templates that trade trigger names
// among themselves cannot be written one at a time: order sets p.cycle.
func (p *importPlan) order(holder map[string]int, byID map[int]*server.Template) {
	keyOf := map[int]string{}
	for id, t := range byID {
		keyOf[id] = server.TriggerKey(t.TriggerName)
	}
	var ordered []*server.Template
	for pending := p.writes; len(pending) > 0; {
		var rest []*server.Template
		for _, t := range pending {
			key := server.TriggerKey(t.TriggerName)
			if id, ok := holder[key]; ok && id != t.ID {
				rest = append(rest, t)
				continue
			}
			if old, ok := keyOf[t.ID]; ok {
				delete(holder, old)
			}
			holder[key], keyOf[t.ID] = t.ID, key
			ordered = append(ordered, t)
		}
		if len(rest) == len(pending) {
			for _, t := range rest {
				p.cycle = append(p.cycle, t.ID)
			}
			slices.Sort(p.cycle)
			return
		}
		pending = rest
	}
	p.writes = ordered
}

// refusal returns the error that refuses the import of the seed file path
// into the database db, or nil when it can go ahead.
func (p *importPlan) refusal(path, db string, replace bool) error {
	conflicts, hints := p.taken, []string{}
	if len(p.taken) > 0 {
		hints = append(hints, "change the trigger_name or the id of the file's template")
	}
	if len(p.replacing) > 0 && !replace {
		conflicts = append(conflicts, p.replacing...)
		hints = append(hints, "-replace replaces a template by the file's template with its id; or give the file's template another id")
	}
	if len(conflicts) == 0 && len(p.cycle) > 0 {
		ids := make([]string, len(p.cycle))
		for i, id := range p.cycle {
			ids[i] = strconv.Itoa(id)
		}
		conflicts = append(conflicts, fmt.Sprintf("templates %s trade trigger names", strings.Join(ids, ", ")))
		hints = append(hints, "import a file that gives them trigger names no template has first, then this one")
	}
	if len(conflicts) == 0 {
		return nil
	}
	return fmt.Errorf("nothing imported: %s conflicts with the templates of %s:\n  %s\n%s",
		path, db, strings.Join(conflicts, "\n  "), strings.Join(hints, "\n"))
}

// apply writes the plan to store; path names the seed file in errors.
func (p *importPlan) apply(ctx context.Context, store server.Store, path string) error {
	for i, t := range p.writes {
		if err := store.UpsertTemplate(ctx, t); err != nil {
			return fmt.Errorf("%s: template %d: %s (%d of the %d templates to write were written)",
				path, t.ID, server.ErrorMessage(err), i, len(p.writes))
		}
	}
	for _, person := range p.people {
		if _, err := store.CreatePersonIfMissing(ctx, person); err != nil {
			return fmt.Errorf("%s: person %s: %s", path, server.Quote(person.ID), server.ErrorMessage(err))
		}
	}
	return nil
}

// String says what the plan does, as the import reports it.
func (p *importPlan) String() string {
	return fmt.Sprintf("created %d, replaced %d, unchanged %d templates; created %d people",
		p.created, p.replaced, p.unchanged, len(p.people))
}

// sameTemplate reports whether a and b are the same template: equal once
// written as JSON, whatever the spacing and key order of their contents.
func sameTemplate(a, b *server.Template) bool {
	ca, errA := canonicalJSON(a)
	cb, errB := canonicalJSON(b)
	return errA == nil && errB == nil && bytes.Equal(ca, cb)
}

// canonicalJSON returns v as JSON with the keys of every object sorted.
func canonicalJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, err
	}
	return json.Marshal(x)
}
