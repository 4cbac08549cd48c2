package server

import (
	"context"
	"encoding/json"
	"fmt"
)

// MaxPersonAttributesJSON bounds the JSON encoding of one person's
// attributes, in bytes. Every message of a poll carries them (its
// "customer"), so they bound what each message of a person's poll adds.
const MaxPersonAttributesJSON = 64 << 10

// FindPerson returns the person with id, or ENOTFOUND.
func (s *Server) FindPerson(ctx context.Context, id string) (*Person, error) {
	return s.store.FindPerson(ctx, id)
}

// MergePerson merges attrs into the attributes of the person with id as
// MergeAttributes does (null removes one), creating the person if needed,
// and returns the result. Returns EINVALID for an invalid id or attributes
// (ValidateAttributes), and for a merge that would take the attributes
// over MaxPersonAttributesJSON (attributeSizes.merge).
func (s *Server) MergePerson(ctx context.Context, id string, attrs map[string]any) (*Person, error) {
	if err := ValidatePersonID(id); err != nil {
		return nil, err
	}
	if err := ValidateAttributes(attrs); err != nil {
		return nil, err
	}
	sizes, err := entrySizes(attrs)
	if err != nil {
		return nil, Errorf(EINVALID, "%s", err.Error())
	}
	return s.store.UpdatePerson(ctx, id, func(p *Person) error {
		have, err := sizeAttributes(p.Attributes)
		if err != nil {
			return err
		}
		if reason, err := have.merge(p, attrs, sizes); err != nil {
			return err
		} else if reason != "" {
			return Errorf(EINVALID, "%s", reason)
		}
		return nil
	})
}

// attributeSizes keeps the JSON size of a person's attributes as merges
// change them, without encoding them all again for each merge: only the
// attributes a merge replaces are measured.
type attributeSizes struct {
	size int
}

// sizeAttributes returns the attributeSizes of attrs: one encoding of them.
func sizeAttributes(attrs map[string]any) (*attributeSizes, error) {
	b, err := json.Marshal(attrs)
	if err != nil {
		return nil, fmt.Errorf("attributes cannot be encoded as JSON: %w", err)
	}
	return &attributeSizes{size: len(b)}, nil
}

// entrySize is the length of `"k":v` in the JSON encoding of an object.
func entrySize(k string, v any) (int, error) {
	kb, err := json.Marshal(k)
	if err != nil {
		return 0, err
	}
	vb, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("attribute %s cannot be encoded as JSON: %w", Quote(k), err)
	}
	return len(kb) + 1 + len(vb), nil
}

// entrySizes returns the size of each non-null attribute of attrs as
// `"key":value` in JSON (see entrySize), for merge.
func entrySizes(attrs map[string]any) (map[string]int, error) {
	sizes := make(map[string]int, len(attrs))
	for k, v := range attrs {
		if v == nil {
			continue
		}
		n, err := entrySize(k, v)
		if err != nil {
			return nil, err
		}
		sizes[k] = n
	}
	return sizes, nil
}

// objectSize is the length of a JSON object of n entries whose `"key":value`
// lengths add up to sum: braces and n-1 commas.
func objectSize(sum, n int) int {
	return 2 + sum + max(n-1, 0)
}

// merge merges attrs, whose entrySizes are sizes, into p's attributes,
// whose size s is, as MergeAttributes does, and keeps s in step; or,
// changing nothing, returns why not: the result would be over
// MaxPersonAttributesJSON bytes of JSON and bigger than before (so that a
// person over the limit, stored before it existed, can still remove
// attributes or make them smaller).
func (s *attributeSizes) merge(p *Person, attrs map[string]any, sizes map[string]int) (string, error) {
	n := len(p.Attributes)
	sum := s.size - objectSize(0, n)
	for k, v := range attrs {
		if old, had := p.Attributes[k]; had {
			size, err := entrySize(k, old)
			if err != nil {
				return "", err
			}
			sum, n = sum-size, n-1
		}
		if v != nil {
			sum, n = sum+sizes[k], n+1
		}
	}
	after := objectSize(sum, n)
	if after > MaxPersonAttributesJSON && after > s.size {
		return attributesTooBig(after), nil
	}
	s.size = after
	p.Attributes = MergeAttributes(p.Attributes, attrs)
	return "", nil
}

// attributesTooBig is the reason a merge whose result would be size bytes
// of JSON is refused: by PUT /v1/people/{id} (400) and for an identify event.
func attributesTooBig(size int) string {
	return fmt.Sprintf("the person's attributes would be %d bytes of JSON, over the limit of %d per person: "+
		"nothing of this change is applied; remove attributes (set them to null) to make room", size, MaxPersonAttributesJSON)
}
