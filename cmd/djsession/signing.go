package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/djsession/djsession/python/pyjson"
	"github.com/djsession/djsession/signing"
	"github.com/spf13/cobra"
)

func init() {
	commandSet = append(commandSet, newSignCmd, newUnsignCmd, newDumpsCmd, newLoadsCmd)
}

// clockKey is the context key of a func() time.Time that replaces the
// clock of the signing commands (tests step it instead of sleeping).
type clockKey struct{}

func clockFrom(ctx context.Context) func() time.Time {
	if f, ok := ctx.Value(clockKey{}).(func() time.Time); ok {
		return f
	}
	return time.Now
}

// signingFlags are the options the four signing commands share.
type signingFlags struct {
	secret    secretFlags
	salt      string
	sep       string
	algorithm string
	legacy    bool
	maxAge    string
}

func (f *signingFlags) register(cmd *cobra.Command, withSep bool) {
	f.secret.register(cmd)
	cmd.Flags().StringVar(&f.salt, "salt", "", "salt (default: Django's for the command: django.core.signing.Signer, .TimestampSigner, or django.core.signing for dumps/loads)")
	if withSep {
		cmd.Flags().StringVar(&f.sep, "sep", ":", "separator")
	}
	cmd.Flags().StringVar(&f.algorithm, "algorithm", "sha256", "hash algorithm, a hashlib name Django's salted_hmac accepts: sha1, sha224, sha256, sha384, sha512, sha3_224, sha3_256, sha3_384, sha3_512, blake2b, blake2s or md5")
}

func (f *signingFlags) registerVerify(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.maxAge, "max-age", "", "reject signatures older than this: seconds (300, 1.5) or a Go duration (15m, 2h)")
	cmd.Flags().BoolVar(&f.legacy, "legacy-sha1", false, "also accept SHA-1 signatures, as Django 3.1-3.2 did")
}

// options resolves the secret and builds signing.Options.
func (f *signingFlags) options(cmd *cobra.Command, a *app) (*signing.Options, error) {
	key, fallbacks, err := f.secret.resolve(a)
	if err != nil {
		return nil, err
	}
	if f.sep == "" && cmd.Flags().Lookup("sep") != nil {
		return nil, usagef("--sep must not be empty")
	}
	return &signing.Options{
		Key:          key,
		FallbackKeys: fallbacks,
		Salt:         f.salt,
		Sep:          f.sep,
		Algorithm:    signing.Algorithm(f.algorithm),
		LegacySHA1:   f.legacy,
		Now:          clockFrom(cmd.Context()),
	}, nil
}

// parseMaxAge reads seconds (an integer or a decimal) or a Go duration.
// The boolean is false when no max age was given.
func parseMaxAge(s string) (time.Duration, bool, error) {
	if s == "" {
		return 0, false, nil
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		if secs != secs || secs > 1e9 || secs < -1e9 {
			return 0, false, usagef("--max-age %q out of range", s)
		}
		return time.Duration(secs * float64(time.Second)), true, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, false, usagef("--max-age %q: want seconds or a duration like 15m", s)
	}
	return d, true, nil
}

// maxInput bounds what is read from standard input: a session cookie or
// token is kilobytes; 64 MiB leaves room for any session_data.
const maxInput = 64 << 20

// errInputTooLarge is returned for standard input over maxInput bytes.
var errInputTooLarge = fmt.Errorf("standard input is too large (over %d MiB)", maxInput>>20)

// readInput reads all of r, refusing more than maxInput bytes: a value cut
// at the limit would verify as a bad signature, which it is not.
func readInput(r io.Reader, what string) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", what, err)
	}
	if len(b) > maxInput {
		return "", fmt.Errorf("reading %s: %w", what, errInputTooLarge)
	}
	return string(b), nil
}

// input returns the argument, or standard input when it is "-" or absent,
// with one trailing newline removed (as "echo" adds it).
func input(a *app, args []string, what string) (string, error) {
	if len(args) == 1 && args[0] != "-" {
		return args[0], nil
	}
	s, err := readInput(a.in, what)
	if err != nil {
		return "", err
	}
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

// constructorError turns an options error into a usage error (bad
// separator or algorithm), keeping the secret out of the message.
func constructorError(err error) error {
	if errors.Is(err, signing.ErrInvalidAlgorithm) || errors.Is(err, signing.ErrInvalidSeparator) || errors.Is(err, signing.ErrNoKey) {
		return &usageError{err}
	}
	return err
}

// verifyError maps a rejection to exit 1 (bad or expired signature) and
// anything else to exit 2.
func verifyError(err error) error {
	if errors.Is(err, signing.ErrBadSignature) {
		return noMatch(err)
	}
	return err
}

func newSignCmd(a *app) *cobra.Command {
	var f signingFlags
	var timestamp bool
	cmd := &cobra.Command{
		Use:   "sign [value|-]",
		Short: "Sign a string as Django's Signer (or TimestampSigner with --timestamp)",
		Long: `Print value:signature as django.core.signing.Signer(...).sign(value) does, or
value:timestamp:signature with --timestamp (TimestampSigner). The value is
the argument, or standard input (one trailing newline removed) when it is
"-" or absent.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := f.options(cmd, a)
			if err != nil {
				return err
			}
			v, err := input(a, args, "value")
			if err != nil {
				return err
			}
			var out string
			if timestamp {
				s, err := signing.NewTimestampSigner(o)
				if err != nil {
					return constructorError(err)
				}
				out = s.Sign(v)
			} else {
				s, err := signing.NewSigner(o)
				if err != nil {
					return constructorError(err)
				}
				out = s.Sign(v)
			}
			_, err = fmt.Fprintln(a.out, out)
			return err
		},
	}
	f.register(cmd, true)
	cmd.Flags().BoolVar(&timestamp, "timestamp", false, "sign with a timestamp (TimestampSigner)")
	return cmd
}

func newUnsignCmd(a *app) *cobra.Command {
	var f signingFlags
	var timestamp bool
	cmd := &cobra.Command{
		Use:   "unsign [signed|-]",
		Short: "Check a signature made by Django's Signer or TimestampSigner and print the value",
		Long: `Print the value a Signer (or, with --timestamp, a TimestampSigner) signed.
A bad signature, or one older than --max-age, exits 1 with the reason; other
bad input exits 2. SECRET_KEY_FALLBACKS from --fallback-key-file are accepted.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := f.options(cmd, a)
			if err != nil {
				return err
			}
			maxAge, hasMaxAge, err := parseMaxAge(f.maxAge)
			if err != nil {
				return err
			}
			if hasMaxAge && !timestamp {
				return usagef("--max-age needs --timestamp")
			}
			tok, err := input(a, args, "signed value")
			if err != nil {
				return err
			}
			var v string
			if timestamp {
				s, err := signing.NewTimestampSigner(o)
				if err != nil {
					return constructorError(err)
				}
				if hasMaxAge {
					v, err = s.UnsignMaxAge(tok, maxAge)
				} else {
					v, err = s.Unsign(tok)
				}
				if err != nil {
					return verifyError(err)
				}
			} else {
				s, err := signing.NewSigner(o)
				if err != nil {
					return constructorError(err)
				}
				if v, err = s.Unsign(tok); err != nil {
					return verifyError(err)
				}
			}
			_, err = fmt.Fprintln(a.out, v)
			return err
		},
	}
	f.register(cmd, true)
	f.registerVerify(cmd)
	cmd.Flags().BoolVar(&timestamp, "timestamp", false, "the value carries a timestamp (TimestampSigner)")
	return cmd
}

func newDumpsCmd(a *app) *cobra.Command {
	var f signingFlags
	var compress bool
	cmd := &cobra.Command{
		Use:   "dumps [json|-]",
		Short: "Sign a JSON value as Django's signing.dumps",
		Long: `Read a JSON value (the argument, or standard input when it is "-" or absent)
and print the token django.core.signing.dumps makes for it. Object keys keep
their order, integers of any size stay integers and 1.0 stays a float.
With --compress the payload is zlib-compressed when that makes it shorter,
as Django decides; the compressed bytes are CPython's zlib output, so the
token is the one Django prints for the same value and time.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := f.options(cmd, a)
			if err != nil {
				return err
			}
			o.Compress = compress
			text, err := input(a, args, "JSON")
			if err != nil {
				return err
			}
			v, err := pyjson.Unmarshal([]byte(text))
			if err != nil {
				return fmt.Errorf("input is not JSON Python reads: %w", err)
			}
			tok, err := signing.Dumps(v, o)
			if err != nil {
				return constructorError(err)
			}
			_, err = fmt.Fprintln(a.out, tok)
			return err
		},
	}
	f.register(cmd, false)
	cmd.Flags().BoolVar(&compress, "compress", false, "compress when that saves bytes (dumps(compress=True))")
	return cmd
}

func newLoadsCmd(a *app) *cobra.Command {
	var f signingFlags
	var maxDecompressed int64
	cmd := &cobra.Command{
		Use:   "loads [token|-]",
		Short: "Check a signing.dumps token and print its JSON",
		Long: `Check a token made by django.core.signing.dumps and print its value as
Python's json.dumps(value, separators=(",", ":")) prints it. A bad
signature, or one older than --max-age, exits 1 with the reason; a payload
that does not decode exits 2.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := f.options(cmd, a)
			if err != nil {
				return err
			}
			o.MaxDecompressedSize = maxDecompressed
			if o.Salt == "" {
				o.Salt = signing.DumpsSalt
			}
			maxAge, hasMaxAge, err := parseMaxAge(f.maxAge)
			if err != nil {
				return err
			}
			tok, err := input(a, args, "token")
			if err != nil {
				return err
			}
			s, err := signing.NewTimestampSigner(o)
			if err != nil {
				return constructorError(err)
			}
			var v any
			if hasMaxAge {
				v, err = s.UnsignObjectMaxAge(tok, maxAge)
			} else {
				v, err = s.UnsignObject(tok)
			}
			if err != nil {
				return verifyError(err)
			}
			b, err := pyjson.Marshal(v)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.out, "%s\n", b)
			return err
		},
	}
	f.register(cmd, false)
	f.registerVerify(cmd)
	cmd.Flags().Int64Var(&maxDecompressed, "max-decompressed-size", signing.DefaultMaxDecompressedSize, "refuse compressed payloads that inflate beyond this many bytes")
	return cmd
}
