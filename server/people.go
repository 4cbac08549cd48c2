package server

import "context"

// FindPerson returns the person with id, or ENOTFOUND.
func (s *Server) FindPerson(ctx context.Context, id string) (*Person, error) {
	return s.store.FindPerson(ctx, id)
}

// MergePerson merges attrs into the attributes of the person with id as
// MergeAttributes does (null removes one), creating the person if needed,
// and returns the result. Returns EINVALID for an invalid id or attributes
// (ValidateAttributes).
func (s *Server) MergePerson(ctx context.Context, id string, attrs map[string]any) (*Person, error) {
	if err := ValidatePersonID(id); err != nil {
		return nil, err
	}
	if err := ValidateAttributes(attrs); err != nil {
		return nil, err
	}
	return s.store.UpdatePerson(ctx, id, func(p *Person) error {
		p.Attributes = MergeAttributes(p.Attributes, attrs)
		return nil
	})
}
