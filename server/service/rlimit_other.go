//go:build !unix

package service

// openFilesLimit reports no limit where RLIMIT_NOFILE is missing.
func openFilesLimit() (uint64, bool) { return 0, false }
