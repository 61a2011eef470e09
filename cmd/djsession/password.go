package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/hashers"
)

func init() { commandSet = append(commandSet, newPasswordCmd) }

// newPasswordCmd is "djsession password": Django's make_password,
// check_password and identify_hasher, and get_session_auth_hash.
func newPasswordCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "password",
		Short: "Hash, check and identify Django password hashes",
		Long: `Hash, check and identify Django password hashes (auth_user.password).

The password is never taken from the command line: it is read from a
no-echo prompt when standard input is a terminal, or from the first line of
standard input with --stdin (the newline is removed).

--release picks the Django release whose hashers and default costs apply
(` + releaseList() + `; default ` + string(django.Newest) + `).`,
	}
	cmd.AddCommand(newPasswordHashCmd(a), newPasswordCheckCmd(a), newPasswordIdentifyCmd(a),
		newPasswordSessionHashCmd(a))
	return cmd
}

// releaseList returns the Django releases --release accepts, comma-separated.
func releaseList() string {
	var names []string
	for _, r := range django.Releases() {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}

// policyFlags are the flags that build a hashers.Policy.
type policyFlags struct {
	release    string
	hashers    []string
	iterations int
	rounds     int
	argonLen   int
}

func (f *policyFlags) register(cmd *cobra.Command, costs bool) {
	cmd.Flags().StringVar(&f.release, "release", string(django.Newest), "Django release whose hashers and defaults apply")
	if costs {
		cmd.Flags().IntVar(&f.iterations, "iterations", 0, "PBKDF2 iterations (default: the release's)")
		cmd.Flags().IntVar(&f.rounds, "rounds", 0, "bcrypt cost, log2 of the rounds (default: the release's, 12)")
		cmd.Flags().IntVar(&f.argonLen, "argon2-hash-len", 0, "argon2 hash length in bytes: 32 (argon2-cffi >= 21.2, default) or 16 (older)")
	}
}

// policy builds the policy with first (if any) as the preferred hasher and
// then the given --hasher list, or every hasher the release ships.
func (f *policyFlags) policy(first hashers.Algorithm) (*hashers.Policy, error) {
	def, err := hashers.Defaults(django.Release(f.release))
	if err != nil {
		return nil, &usageError{err}
	}
	var list []hashers.Algorithm
	if first != "" {
		list = append(list, first)
	}
	if len(f.hashers) > 0 {
		for _, h := range f.hashers {
			list = append(list, hashers.Algorithm(h))
		}
	} else {
		// The release's PASSWORD_HASHERS, then every other hasher it has.
		list = append(list, def.PasswordHashers...)
		for _, h := range hashers.Algorithms() {
			list = append(list, h)
		}
	}
	var uniq []hashers.Algorithm
	for _, h := range list {
		if !slices.Contains(uniq, h) && (releaseHas(f.release, h) || h == first || len(f.hashers) > 0) {
			uniq = append(uniq, h)
		}
	}
	p, err := hashers.New(&hashers.Options{Settings: django.Settings{Release: django.Release(f.release)}, PasswordHashers: uniq,
		PBKDF2Iterations: f.iterations, BCryptRounds: f.rounds, Argon2: hashers.Argon2Params{HashLen: f.argonLen}})
	if err != nil {
		return nil, &usageError{err}
	}
	return p, nil
}

// releaseHas reports whether the Django release ships hasher h.
func releaseHas(release string, h hashers.Algorithm) bool {
	_, err := hashers.New(&hashers.Options{Settings: django.Settings{Release: django.Release(release)}, PasswordHashers: []hashers.Algorithm{h}})
	return err == nil
}

// Bounds on what the password commands read: a password (Django sets no
// length limit; this is far above any real one) and a stored value (Django's
// password column is 128 characters).
const (
	maxPasswordLine = 1 << 20
	maxHashLine     = 64 << 10
)

// readFirstLine returns the first line of r without its "\n" or "\r\n",
// reading at most max bytes of it; what names the source in errors.
func readFirstLine(r io.Reader, max int, what string) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, int64(max)+1)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading %s: %w", what, err)
	}
	if err != nil && line == "" {
		return "", usagef("%s is empty", what)
	}
	if len(line) > max {
		return "", usagef("%s: the first line is longer than %d bytes", what, max)
	}
	line = strings.TrimSuffix(line, "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

// readFileLine is readFirstLine of the file at path. Errors name the flag,
// not the path.
func readFileLine(path string, max int, flag string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", &usageError{fmt.Errorf("%s: %w", flag, err)}
	}
	defer f.Close()
	return readFirstLine(f, max, flag)
}

// passwordSource says where a command reads the password from: the first
// line of standard input (--stdin), the first line of a file
// (--password-file), or else a no-echo prompt on the terminal.
type passwordSource struct {
	stdin bool
	file  string
}

func (s *passwordSource) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&s.stdin, "stdin", false, "read the password from the first line of standard input")
	cmd.Flags().StringVar(&s.file, "password-file", "", "read the password from the first line of this file")
}

// read returns the password; stdinTaken means standard input already holds
// something else (the stored value), so neither --stdin nor the prompt can
// be used.
func (s *passwordSource) read(a *app, confirm, stdinTaken bool) (string, error) {
	switch {
	case s.stdin && s.file != "":
		return "", usagef("give the password once: --stdin or --password-file")
	case s.file != "":
		return readFileLine(s.file, maxPasswordLine, "--password-file")
	case stdinTaken && s.stdin:
		return "", usagef("--hash-file - and --stdin both read standard input: give the password with --password-file")
	case stdinTaken:
		return "", usagef("standard input holds the stored value: give the password with --password-file")
	}
	return a.readPassword(s.stdin, confirm)
}

// readPassword reads the password from the first line of stdin (--stdin)
// or a no-echo prompt on the terminal; confirm asks twice.
func (a *app) readPassword(fromStdin, confirm bool) (string, error) {
	if fromStdin {
		return readFirstLine(a.in, maxPasswordLine, "--stdin: standard input")
	}
	f, ok := a.in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usagef("standard input is not a terminal: use --stdin to read the password from it")
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(a.errOut, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.errOut)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		return string(b), nil
	}
	pw, err := ask("Password: ")
	if err != nil || !confirm {
		return pw, err
	}
	again, err := ask("Password (again): ")
	if err != nil {
		return "", err
	}
	if again != pw {
		return "", errors.New("the passwords do not match")
	}
	return pw, nil
}

// hashSource says where a command reads the stored value
// (auth_user.password) from: --hash-file PATH, or standard input with
// --hash-file -. The value may also be the command's argument, which puts
// it in the process list (where any local user can read it and attack it
// offline), so that form warns on stderr and the help does not show it; it
// is kept so that existing scripts keep working.
type hashSource struct{ file string }

func (h *hashSource) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&h.file, "hash-file", "", "read the stored value (auth_user.password) from the first line of this file, or of standard input with -")
}

// fromStdin reports whether the stored value is read from standard input.
func (h *hashSource) fromStdin() bool { return h.file == "-" }

func (h *hashSource) read(a *app, args []string) (string, error) {
	switch {
	case h.file != "" && len(args) > 0:
		return "", usagef("give the stored value once: --hash-file or an argument")
	case len(args) == 1:
		fmt.Fprintln(a.errOut, "djsession: warning: a stored value on the command line is visible in the process list; use --hash-file FILE, or --hash-file - for standard input")
		return args[0], nil
	case h.file == "":
		return "", usagef("no stored value: use --hash-file FILE, or --hash-file - to read it from standard input")
	case h.fromStdin():
		return readFirstLine(a.in, maxHashLine, "--hash-file -: standard input")
	}
	return readFileLine(h.file, maxHashLine, "--hash-file")
}

func newPasswordHashCmd(a *app) *cobra.Command {
	var pf policyFlags
	var algorithm, salt string
	var pw passwordSource
	var unusable bool
	cmd := &cobra.Command{
		Use:   "hash",
		Short: "Hash a password as make_password does",
		Long: `Hash a password as Django's make_password does and print the value to
store in auth_user.password. The hasher is --algorithm (default: the first of
the release's PASSWORD_HASHERS, pbkdf2_sha256) at the release's costs, with a
fresh random salt unless --salt is given. --unusable prints an unusable
password (set_unusable_password) and reads nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := pf.policy(hashers.Algorithm(algorithm))
			if err != nil {
				return err
			}
			if unusable {
				s, err := p.MakeUnusable()
				if err != nil {
					return err
				}
				fmt.Fprintln(a.out, s)
				return nil
			}
			password, err := pw.read(a, true, false)
			if err != nil {
				return err
			}
			enc, err := p.MakeWith(p.Hashers()[0], password, salt)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, enc)
			return nil
		},
	}
	pf.register(cmd, true)
	cmd.Flags().StringVar(&algorithm, "algorithm", "", "hasher: "+joinAlgs(hashers.Algorithms()))
	cmd.Flags().StringVar(&salt, "salt", "", "salt as the hasher takes it (default: random); for bcrypt a setting like $2b$12$ and 22 characters")
	pw.register(cmd)
	cmd.Flags().BoolVar(&unusable, "unusable", false, "print an unusable password instead")
	return cmd
}

func newPasswordCheckCmd(a *app) *cobra.Command {
	var pf policyFlags
	var pw passwordSource
	var hs hashSource
	var upgrade bool
	cmd := &cobra.Command{
		Use:   "check --hash-file FILE|-",
		Short: "Check a password against a stored hash as check_password does",
		Long: `Check a password against a stored value (auth_user.password) as Django's
check_password does. The stored value is read from the first line of
--hash-file FILE, or of standard input with --hash-file -; the password then
comes from --password-file, or from --stdin or the terminal prompt when the
stored value is in a file.

Exit status 0: the password matches; 1: it does not (or the value is an
unusable password); 2: the value cannot be checked (unknown hasher,
malformed, costs over the limits) or another error.

Costs over the limits (see "go doc github.com/djsession/djsession/hashers
Limits": twice what Django's newest release writes) are refused before any
work, as "password identify" refuses them.

Every hasher the release ships is accepted unless --hasher lists some (the
first listed is then the preferred one). With --upgrade, when the password
matches and the stored value should be re-hashed (must_update: another
hasher, other costs, a short salt), the new value is printed on standard
output, as Django's check_password setter would store it.

Examples:
  djsession password check --hash-file stored.txt
  psql -Atc "select password from auth_user where id = 1" |
    djsession password check --hash-file - --password-file pw.txt`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := pf.policy("")
			if err != nil {
				return err
			}
			encoded, err := hs.read(a, args)
			if err != nil {
				return err
			}
			password, err := pw.read(a, false, hs.fromStdin())
			if err != nil {
				return err
			}
			ok, rehashed, err := p.CheckUpgrade(password, encoded)
			switch {
			case errors.Is(err, hashers.ErrUnusablePassword):
				return noMatch(errors.New("unusable password: no password matches it"))
			case err != nil:
				return err
			case !ok:
				return noMatch(errors.New("password does not match"))
			}
			if upgrade && rehashed != "" {
				fmt.Fprintln(a.out, rehashed)
			}
			return nil
		},
	}
	pf.register(cmd, true)
	cmd.Flags().StringSliceVar(&pf.hashers, "hasher", nil, "accepted hashers, preferred first (default: every hasher of the release)")
	pw.register(cmd)
	hs.register(cmd)
	cmd.Flags().BoolVar(&upgrade, "upgrade", false, "print the re-hashed value when the stored one should be updated")
	return cmd
}

func newPasswordIdentifyCmd(a *app) *cobra.Command {
	var pf policyFlags
	var hs hashSource
	cmd := &cobra.Command{
		Use:   "identify --hash-file FILE|-",
		Short: "Tell which hasher made a stored value, and its parameters",
		Long: `Print the hasher of a stored value (identify_hasher) and its parameters, with
the salt and hash masked as Django's admin shows them (safe_summary), and
whether the release's default policy would re-hash it (must_update). The
value is read from the first line of --hash-file FILE, or of standard input
with --hash-file -.

Exit status 1 when no Django hasher made it; 2 when it is malformed or its
costs are over the limits (as "password check" refuses it).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			encoded, err := hs.read(a, args)
			if err != nil {
				return err
			}
			d, err := hashers.Decode(encoded)
			switch {
			case errors.Is(err, hashers.ErrUnknownAlgorithm), errors.Is(err, hashers.ErrUnusablePassword):
				return noMatch(err)
			case err != nil:
				return err
			}
			p, err := hashers.New(&hashers.Options{Settings: django.Settings{Release: django.Release(pf.release)}})
			if err != nil {
				return &usageError{err}
			}
			if err := p.Limits().Check(d); err != nil {
				return err
			}
			w := a.out
			fmt.Fprintf(w, "algorithm: %s\n", d.Algorithm)
			field := func(name string, v any, show bool) {
				if show {
					fmt.Fprintf(w, "%s: %v\n", name, v)
				}
			}
			field("variety", d.Variety, d.Variety != "")
			field("version", d.Version, d.Algorithm == hashers.Argon2)
			field("memory cost", d.MemoryCost, d.Algorithm == hashers.Argon2)
			field("time cost", d.TimeCost, d.Algorithm == hashers.Argon2)
			field("iterations", d.Iterations, d.Iterations != 0)
			field("work factor", d.WorkFactor, d.WorkFactor != 0)
			field("block size", d.BlockSize, d.BlockSize != 0)
			field("parallelism", d.Parallelism, d.Parallelism != 0)
			field("crypt method", d.CryptMethod, d.CryptMethod != "")
			field("salt", maskHash(d.Salt, 6), d.Salt != "")
			field("hash", maskHash(d.Hash, 6), true)
			mu, err := p.MustUpdate(encoded)
			if errors.Is(err, hashers.ErrUnknownAlgorithm) {
				fmt.Fprintf(w, "must update: not checked by Django %s's default PASSWORD_HASHERS\n", p.Release())
			} else if err == nil {
				fmt.Fprintf(w, "must update: %v (Django %s defaults)\n", mu, p.Release())
			}
			return nil
		},
	}
	pf.register(cmd, false)
	hs.register(cmd)
	return cmd
}

// maskHash is Django's mask_hash: the first show characters, then "*".
func maskHash(s string, show int) string {
	r := []rune(s)
	if len(r) <= show {
		return s
	}
	return string(r[:show]) + strings.Repeat("*", len(r)-show)
}

func newPasswordSessionHashCmd(a *app) *cobra.Command {
	var sf secretFlags
	var hs hashSource
	var release string
	cmd := &cobra.Command{
		Use:   "session-hash --hash-file FILE|-",
		Short: "Print get_session_auth_hash() for a stored password value",
		Long: `Print the session auth hash Django stores as "_auth_user_hash" when the user
whose password field holds the stored value logs in (get_session_auth_hash),
under the secret key. The value is read from the first line of --hash-file
FILE, or of standard input with --hash-file -. With fallback keys, also
print one line per fallback key ("fallback: <hash>"), the hashes get_user
still accepts after a key rotation (Django 4.1.8+).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, fallbacks, err := sf.resolve(a)
			if err != nil {
				return err
			}
			encoded, err := hs.read(a, args)
			if err != nil {
				return err
			}
			p, err := hashers.New(&hashers.Options{Settings: django.Settings{Release: django.Release(release)}})
			if err != nil {
				return &usageError{err}
			}
			fmt.Fprintln(a.out, p.SessionAuthHash(key, encoded))
			for _, k := range fallbacks {
				fmt.Fprintf(a.out, "fallback: %s\n", p.SessionAuthHash(k, encoded))
			}
			return nil
		},
	}
	sf.register(cmd)
	hs.register(cmd)
	cmd.Flags().StringVar(&release, "release", string(django.Newest), "Django release")
	return cmd
}

func joinAlgs(as []hashers.Algorithm) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}
