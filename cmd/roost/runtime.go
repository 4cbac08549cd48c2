package main

// runtimeVersion returns the version of the browser runtime built in.
func runtimeVersion() string {
	return "unknown"
}
