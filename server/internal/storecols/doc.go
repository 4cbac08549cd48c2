// Package storecols holds the rules by which the SQL stores (server/sqlite
// and server/postgres) turn a server.Template, server.Person and
// server.Delivery into column values and back: JSON text, the
// dropped-content convention and unix-millisecond times. It works with
// plain Go values (string, *string, int64, *int64, *bool); each store
// adapts them to its driver (sql.Null[T] for database/sql, pointers for
// pgx) and keeps its own SQL.
package storecols
