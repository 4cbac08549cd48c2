package storecols

import "github.com/roostmsg/roost/server"

// PersonColumns are the columns of a server.Person besides its id.
type PersonColumns struct {
	// Attributes is the JSON object of Person.Attributes.
	Attributes string
	// EmailKey is server.EmailKey of the person's email attribute ("" for
	// none): what FindPersonByEmail compares.
	EmailKey string
}

// EncodePerson returns the column values of p.
func EncodePerson(p *server.Person) (PersonColumns, error) {
	attrs, err := EncodeJSON(p.Attributes)
	if err != nil {
		return PersonColumns{}, err
	}
	return PersonColumns{Attributes: attrs, EmailKey: server.EmailKey(p.Email())}, nil
}

// DecodePerson sets p.Attributes from c, an empty map for none (never
// nil). EmailKey is not read.
func DecodePerson(c PersonColumns, p *server.Person) error {
	var attrs map[string]any
	if err := DecodeJSON(c.Attributes, &attrs); err != nil {
		return err
	}
	if attrs == nil {
		attrs = map[string]any{}
	}
	p.Attributes = attrs
	return nil
}
