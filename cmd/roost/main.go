// Command roost is Roost's message server: the transactional send API, the
// browser runtime's API and files, health checks and metrics, in one
// binary that carries the browser runtime. `roost -h` lists the commands,
// `roost serve -h` every setting.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// commands are roost's subcommands, by name.
var commands = map[string]struct {
	summary string
	run     func(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error
}{
	"serve":       {"run the server (the default command)", serve},
	"sign":        {"print the signature of a user id, as a site's backend makes it", sign},
	"templates":   {"import or export templates (the seed format): roost templates import|export FILE", templates},
	"migrate":     {"copy a SQLite database into an empty PostgreSQL one: roost migrate -from FILE -to postgres://URL", migrate},
	"keygen":      {"print a new random secret, for an App API key or a site secret", keygen},
	"healthcheck": {"exit 0 if roost answers /healthz on ROOST_METRICS_ADDR (else ROOST_ADDR, or -addr), else 1: a container's HEALTHCHECK", healthcheck},
	"version":     {"print the version of roost and of its browser runtime", version},
}

// commandOrder is the order `roost -h` lists them in.
var commandOrder = []string{"serve", "sign", "templates", "migrate", "keygen", "healthcheck", "version"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop) // a second signal stops roost at once, without waiting
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp): // -h printed the usage
	case err != nil:
		if !errors.As(err, new(loggedError)) {
			fmt.Fprintln(os.Stderr, "roost:", err)
		}
		var ec exitCode
		if errors.As(err, &ec) {
			os.Exit(ec.code)
		}
		os.Exit(2)
	}
}

// run runs the command args name (serve when the first argument is a flag
// or there is none).
func run(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	name := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
		usage(stdout)
		fmt.Fprintln(stdout, "\nFlags of serve, the default command:")
		return serve(ctx, []string{"-h"}, env, stdout, stdout)
	}
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	cmd, ok := commands[name]
	if !ok {
		usage(stderr)
		return fmt.Errorf("unknown command %q", name)
	}
	return cmd.run(ctx, args, env, stdout, stderr)
}

// usage prints the list of commands.
func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: roost [COMMAND] [FLAGS]\n\nCommands:")
	for _, name := range commandOrder {
		fmt.Fprintf(w, "  %-12s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "\n`roost COMMAND -h` lists a command's flags; every flag can also be set by its environment variable (ROOST_...).")
}

// newFlagSet returns a flag set for command name whose -h prints usage
// and its flags to w.
func newFlagSet(name, usage string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("roost "+name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage: roost %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs
}
