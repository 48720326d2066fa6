// Command creatorscout crawls public creator profiles, analyses them, keeps
// them in an embedded store and index, and serves search over HTTP.
//
// It only wires packages together; see README.md for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"

	_ "github.com/creatorscout/creatorscout/crawler/source/all"
)

var version = "dev"

type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"demo":     {"start the synthetic network, crawl it, serve the API", cmdDemo},
		"bench":    {"benchmarks against the synthetic network (bench crawl, ...)", cmdBench},
		"crawl":    {"run one crawl (hashtags, URLs, handles from flags or config)", cmdCrawl},
		"serve":    {"serve the API (and run the nightly schedule)", cmdServe},
		"search":   {"search creators from the shell", cmdSearch},
		"reindex":  {"rebuild the index from the store and swap it in while searches go on", cmdReindex},
		"extract":  {"parse saved responses offline and print JSON", cmdExtract},
		"hash-key": {"print the SHA-256 of an API key for api.keys", cmdHashKey},
		"version":  {"print the version", cmdVersion},
		"forget":   {"remove creators everywhere and keep them out of later crawls", cmdForget},
		"backup":   {"back up the database and the index online into a new directory", cmdBackup},
		"restore":  {"restore the database and the index from a backup (server stopped)", cmdRestore},
		"report":   {"print a nightly run's report (the latest without an id)", cmdReport},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// CREATORSCOUT_CPUPROFILE=FILE writes a CPU profile of the whole command.
	// It is not a config setting: unset it so config.Load does not refuse it.
	path := os.Getenv("CREATORSCOUT_CPUPROFILE")
	os.Unsetenv("CREATORSCOUT_CPUPROFILE")
	if path != "" {
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			defer f.Close()
		}
	}
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	pprof.StopCPUProfile()
	stop()
	os.Exit(code)
}

// usageError is a bad flag or argument: exit code 2 and a usage hint.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "creatorscout: unknown command %q\n\n", args[0])
		printUsage(stderr, cmds)
		return 2
	}
	err := cmd.run(ctx, args[1:], stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "creatorscout %s: %s\n", args[0], ue.msg)
		return 2
	default:
		fmt.Fprintf(stderr, "creatorscout %s: %v\n", args[0], err)
		return 1
	}
}

func printUsage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: creatorscout COMMAND [flags]   (creatorscout COMMAND -h for its flags)")
	fmt.Fprintln(w)
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, cmds[n].summary)
	}
}

// newFlags returns a FlagSet that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("creatorscout "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses and turns flag errors into usage errors; positional
// arguments are refused unless allowArgs.
// parseFlags parses args into fs. Flags may come after positional
// arguments too ("forget ID --data DIR"): Go's flag package stops at the
// first argument, which would leave "--data DIR" as two more ids and the
// command working on the default data directory. "--" ends the flags.
// fs.Args() is then the positional arguments in order.
func parseFlags(fs *flag.FlagSet, args []string, allowArgs bool) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			pos = append(pos, rest...) // after "--": all positional
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if !allowArgs && len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	// Parse again with only the positional arguments, so fs.Args() holds
	// them (flags set above keep their values).
	return fs.Parse(append([]string{"--"}, pos...))
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func cmdVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if err := parseFlags(newFlags("version", stderr), args, false); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "creatorscout", version)
	return nil
}
