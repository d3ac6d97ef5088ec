// Command cocreate is the one cocreate binary: the server (cocreate serve)
// and a few admin and benchmark subcommands.
//
//	cocreate serve [flags]         run the server (flags: cocreate serve -h)
//	cocreate bench-trace FILE      replay an editing trace into the CRDT engine
//	cocreate bench-crdt [flags]    compare the engine with yjs on all traces
//	cocreate bench load [flags]    load-test a sync server (make bench-server)
//	cocreate version               print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/cocreate/cocreate/server"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise it comes from the build info.
var version = ""

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"serve", "run the cocreate server", runServe},
	{"bench-trace", "replay an editing trace as local edits and time it", runBenchTrace},
	{"bench-crdt", "benchmark the CRDT engine against yjs on every trace", runBenchCRDT},
	{"bench", "load-test a sync server: cocreate bench load [flags]", runBench},
	{"version", "print the version", runVersion},
}

// exitError ends a command with a given exit status; its message, when
// not empty, is printed after the command's name.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usageError reports a mistake in the command line (exit status 2).
func usageError(format string, args ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stdout, stderr)
		var exit *exitError
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &exit):
			if exit.msg != "" {
				fmt.Fprintf(stderr, "cocreate %s: %s\n", c.name, exit.msg)
			}
			return exit.code
		default:
			fmt.Fprintf(stderr, "cocreate %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "cocreate: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: cocreate <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'cocreate <command> -h' for a command's flags.")
}

// newFlagSet returns a flag set whose parse errors name the command and the
// flag and are reported by run (with exit status 2).
func newFlagSet(name, argsUsage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("cocreate "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: cocreate %s %s\n", name, argsUsage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; a parse error (already printed by the flag
// package, naming the flag) exits with status 2.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: 2}
	}
	return nil
}

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "[flags]", stderr)
	cfg := server.DefaultConfig()
	cfg.RegisterFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	if err := server.ApplyEnv(fs, os.LookupEnv); err != nil {
		return usageError("%v", err)
	}
	if err := cfg.Validate(); err != nil {
		return usageError("%v", err)
	}
	srv, err := server.New(cfg, server.NewLogger(cfg.LogFormat, stderr))
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return srv.ListenAndServe(ctx)
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	fmt.Fprintf(stdout, "cocreate %s\n", buildVersion())
	return nil
}

func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " " + rev + modified
	}
	return v + " " + info.GoVersion
}

// runBench dispatches the load-testing subcommands.
func runBench(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "load" {
		return usageError("want a subcommand: cocreate bench load [flags]")
	}
	return runBenchLoad(args[1:], stdout, stderr)
}
