package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/roostmsg/roost/server/service"
)

// healthcheck asks the roost serving on -addr for GET /healthz (or
// /readyz): for a container's HEALTHCHECK, where there is no curl. It
// fails with exit status 1 (unhealthy) when the answer is not 200 or does
// not come. It asks -metrics-addr's listener when there is one: that one
// has no connection cap, so a server full of slow clients is not taken
// for a dead one.
func healthcheck(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("healthcheck", "healthcheck [-addr ADDR] [-ready]\n\n"+
		"Asks the roost serving on ADDR for GET /healthz (with -ready, GET /readyz: the database answers):\n"+
		"exits 0 when it answers 200, 1 otherwise. For a container's HEALTHCHECK. ADDR is ROOST_METRICS_ADDR\n"+
		"when that is set (its listener is not capped), else ROOST_ADDR, as serve reads them.", stderr)
	def := envOr(env, service.EnvName("metrics-addr"), envOr(env, service.EnvName("addr"), service.DefaultAddr))
	addr := fs.String("addr", def, "the address roost serves on (env ROOST_METRICS_ADDR, else ROOST_ADDR)")
	ready := fs.Bool("ready", false, "ask /readyz (the database answers) instead of /healthz (the process serves)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	path := "/healthz"
	if *ready {
		path = "/readyz"
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", *addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1" // serving on every interface: ask over loopback
	}
	url := "http://" + net.JoinHostPort(host, port) + path
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return exitCode{1, fmt.Errorf("unhealthy: %w", err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return exitCode{1, fmt.Errorf("unhealthy: %s answered %s", url, resp.Status)}
	}
	_, err = fmt.Fprintln(stdout, "healthy")
	return err
}

// exitCode is an error with the exit status roost ends with.
type exitCode struct {
	code int
	err  error
}

// Error implements error.
func (e exitCode) Error() string { return e.err.Error() }

// Unwrap returns the error.
func (e exitCode) Unwrap() error { return e.err }
