package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes, decided in one place (exitCode) for every command.
const (
	exitOK       = 0 // success
	exitNoMatch  = 1 // nothing found, mismatch, bad or expired signature
	exitError    = 2 // usage error or any other failure
	envSecretKey = "DJANGO_SECRET_KEY"
	// envSecretKeyFallbacks holds SECRET_KEY_FALLBACKS, one key per line
	// (a comma is not a safe separator: Django keys may contain commas).
	envSecretKeyFallbacks = "DJANGO_SECRET_KEY_FALLBACKS"
)

// app carries the process's streams and environment into every command, so
// commands can be run in tests without touching the real process state.
type app struct {
	in     io.Reader
	out    io.Writer
	errOut io.Writer
	getenv func(string) string
}

func newApp(in io.Reader, out, errOut io.Writer, getenv func(string) string) *app {
	return &app{in: in, out: out, errOut: errOut, getenv: getenv}
}

// exitErr carries an exit code chosen by a command together with the
// one-line reason printed on stderr (empty: print nothing).
type exitErr struct {
	code int
	err  error
}

func (e *exitErr) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitErr) Unwrap() error { return e.err }

// noMatch reports a negative answer (exit 1) with an optional reason.
func noMatch(err error) error { return &exitErr{code: exitNoMatch, err: err} }

// usageError marks a mistake in how the command was called (exit 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitErr
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitError
}

// run executes the command line and returns the process exit code. Errors
// are printed as one line on stderr.
func (a *app) run(ctx context.Context, args []string) int {
	root := a.newRootCmd()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		if msg := oneLine(err.Error()); msg != "" {
			fmt.Fprintf(a.errOut, "djsession: %s\n", escapeText(msg))
		}
	}
	return exitCode(err)
}

// oneLine puts a message on one line, keeping all of it: the lines of
// joined errors (errors.Join) are separated by ": ".
func oneLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, ": ")
}

func (a *app) newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "djsession",
		Short: "Read and write Django sessions, signatures and password hashes",
		Long: `djsession reads and writes Django's signed values, password hashes and
sessions byte for byte as Django does.

Exit codes: 0 success; 1 nothing found or no match (bad signature, wrong
password); 2 usage error or failure.

SECRET_KEY is read from --secret-key-file, else the DJANGO_SECRET_KEY
environment variable; SECRET_KEY_FALLBACKS from --fallback-key-file and
DJANGO_SECRET_KEY_FALLBACKS (one key per line). Secrets are never taken
from the command line's visible arguments without a warning.`,
		Version:       buildVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(a.in)
	root.SetOut(a.out)
	root.SetErr(a.errOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &usageError{err}
	})
	for _, add := range commandSet {
		root.AddCommand(add(a))
	}
	return root
}

// commandSet lists the constructors of the top-level commands. Each file
// that defines a command group registers itself here from an init function,
// so groups can be added without editing this file.
var commandSet []func(*app) *cobra.Command

// secretFlags are the flags that say where SECRET_KEY and its fallbacks come
// from. Commands that sign or verify embed it.
//
// Secrets come from files or the environment. The argv forms --secret-key
// and --fallback-key are kept so existing scripts still run, but they are
// hidden from the help and warn on every use: any user of the machine can
// read a command line (ps, /proc), so a key given there is disclosed.
// Removing them would break those scripts with no gain the warning does
// not already give.
type secretFlags struct {
	keyFile       string
	key           string
	fallbackFiles []string
	fallbacks     []string
	warned        bool
}

func (f *secretFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.keyFile, "secret-key-file", "", "read SECRET_KEY from this file (trailing newline removed; /dev/stdin works)")
	fl.StringArrayVar(&f.fallbackFiles, "fallback-key-file", nil, "read SECRET_KEY_FALLBACKS from this file, one key per line (repeatable; also $"+envSecretKeyFallbacks+")")
	fl.StringVar(&f.key, "secret-key", "", "SECRET_KEY on the command line: visible to every user, use --secret-key-file")
	fl.StringArrayVar(&f.fallbacks, "fallback-key", nil, "SECRET_KEY_FALLBACKS on the command line: visible to every user, use --fallback-key-file")
	_ = fl.MarkHidden("secret-key")
	_ = fl.MarkHidden("fallback-key")
}

// argvSecretWarning is printed when a secret was given on the command line.
const argvSecretWarning = "djsession: WARNING: a secret key given on the command line is visible in the process list to every user; use --secret-key-file, --fallback-key-file or the environment\n"

// errNoSecret is returned when no secret key source is given.
var errNoSecret = errors.New("no secret key: use --secret-key-file or set " + envSecretKey)

// resolve returns the secret key and fallback keys. SECRET_KEY from
// --secret-key-file, --secret-key, $DJANGO_SECRET_KEY in that order; the
// fallbacks from --fallback-key, --fallback-key-file and
// $DJANGO_SECRET_KEY_FALLBACKS together.
func (f *secretFlags) resolve(a *app) (key string, fallbacks []string, err error) {
	switch {
	case f.keyFile != "":
		b, err := os.ReadFile(f.keyFile)
		if err != nil {
			return "", nil, fmt.Errorf("reading secret key file: %w", err)
		}
		key = strings.TrimRight(string(b), "\r\n")
	case f.key != "":
		key = f.key
	default:
		key = a.getenv(envSecretKey)
	}
	if key == "" {
		return "", nil, &usageError{errNoSecret}
	}
	if (f.key != "" || len(f.fallbacks) > 0) && !f.warned {
		f.warned = true // resolve may run twice in one command
		fmt.Fprint(a.errOut, argvSecretWarning)
	}
	fallbacks = append(fallbacks, f.fallbacks...)
	for _, path := range f.fallbackFiles {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", nil, fmt.Errorf("reading fallback key file: %w", err)
		}
		fallbacks = append(fallbacks, keyLines(string(b))...)
	}
	fallbacks = append(fallbacks, keyLines(a.getenv(envSecretKeyFallbacks))...)
	return key, fallbacks, nil
}

// keyLines splits a list of keys, one per line; empty lines are skipped.
func keyLines(s string) []string {
	var keys []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimRight(line, "\r"); line != "" {
			keys = append(keys, line)
		}
	}
	return keys
}
