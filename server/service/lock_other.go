//go:build !unix

package service

// lockDB is a no-op where flock is missing: running one roost per
// database is then the operator's to ensure.
func lockDB(path string) (release func(), err error) {
	return func() {}, nil
}
