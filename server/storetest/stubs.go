package storetest

import "testing"

func testConcurrency(t *testing.T, h Harness) {}
func testCrash(t *testing.T, h Harness)       {}
func testShared(t *testing.T, h Harness)      {}
