package sqlite

import "database/sql"

// toNull returns the database/sql form of a nullable column value: NULL
// for nil.
func toNull[T any](p *T) sql.Null[T] {
	if p == nil {
		return sql.Null[T]{}
	}
	return sql.Null[T]{V: *p, Valid: true}
}

// fromNull returns a nullable column value read by database/sql: nil for
// NULL.
func fromNull[T any](n sql.Null[T]) *T {
	if !n.Valid {
		return nil
	}
	v := n.V
	return &v
}
