package hashers

import (
	"crypto/rand"
	"fmt"
	"io"
	"slices"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/signing"
)

// Argon2Params are the costs of the argon2 hashes a Policy makes (the class
// attributes of Django's Argon2PasswordHasher). The variant is always
// argon2id, version 19, as in Django 3.2 and later.
type Argon2Params struct {
	TimeCost    int // passes over memory (time_cost)
	MemoryCost  int // KiB (memory_cost)
	Parallelism int // lanes (parallelism)
	// HashLen is the length of the hash in bytes. Django takes it from
	// argon2-cffi's DEFAULT_HASH_LENGTH: 16 before argon2-cffi 21.2.0 (for
	// example Debian 12's python3-argon2 21.1.0), 32 since. A stored hash of
	// another length still checks, but must_update reports it.
	HashLen int
}

// ScryptParams are the costs of the scrypt hashes a Policy makes (the
// class attributes of Django's ScryptPasswordHasher).
type ScryptParams struct {
	WorkFactor  int // N (work_factor), a power of two
	BlockSize   int // r (block_size)
	Parallelism int // p (parallelism)
}

// Limits bound the cost parameters read from a stored hash. They are
// checked before anything is computed: a value beyond them is refused with
// an error matching ErrOverLimit (and ErrParameters), by Check,
// CheckUpgrade and Limits.Check alike. Zero fields take DefaultLimits.
//
// The defaults are twice what Django's newest release (django.Newest)
// writes, parameter by parameter, so every hash any Django release makes
// with its defaults is accepted, and a hostile or mistaken row costs at
// most a few times a normal login (see the package documentation for the
// figures). Raise a field for a site whose hasher subclass uses higher
// costs.
type Limits struct {
	// MaxPBKDF2Iterations bounds pbkdf2_sha256 and pbkdf2_sha1 iterations.
	// Default 3,000,000 (Django 6.1 writes 1,500,000).
	MaxPBKDF2Iterations int
	// MaxBCryptRounds bounds the bcrypt cost (log2 of the rounds) of
	// bcrypt, bcrypt_sha256 and crypt's "$2b$". Default 13, twice the work
	// of Django's 12; at most 31.
	MaxBCryptRounds int
	// MaxArgon2MemoryCost bounds argon2's memory in KiB. Default 204800
	// (200 MiB; Django writes 102400).
	MaxArgon2MemoryCost int
	// MaxArgon2TimeCost bounds argon2's passes. Default 4 (Django: 2).
	MaxArgon2TimeCost int
	// MaxArgon2Parallelism bounds argon2's lanes. Default 16 (Django: 8).
	MaxArgon2Parallelism int
	// MaxScryptParallelism bounds scrypt's p. Default 10 (Django 5.1+
	// writes 5, 4.0-5.0 wrote 1). N and r are bounded by the rule Django
	// itself is subject to: OpenSSL, with Django's maxmem=0, refuses more
	// than 32 MiB (128·r·(N+2+p) bytes; Django writes N=16384, r=8: 16 MiB).
	MaxScryptParallelism int
	// MaxCryptRounds bounds the rounds of a crypt value's sha256crypt or
	// sha512crypt string. Django's crypt hasher writes DES, which has none;
	// libxcrypt's default is 5000. Default 300,000: a sha512crypt check
	// then costs about what PBKDF2 at its limit does.
	MaxCryptRounds int
}

// DefaultLimits returns the limits used for zero fields of Limits: twice
// the costs Django's newest release writes.
func DefaultLimits() Limits {
	newest, _ := lookupRelease(django.Newest)
	return Limits{
		MaxPBKDF2Iterations:  2 * newest.pbkdf2,
		MaxBCryptRounds:      newest.bcrypt + 1,
		MaxArgon2MemoryCost:  2 * newest.argon2.MemoryCost,
		MaxArgon2TimeCost:    2 * newest.argon2.TimeCost,
		MaxArgon2Parallelism: 2 * newest.argon2.Parallelism,
		MaxScryptParallelism: 2 * newest.scrypt.Parallelism,
		MaxCryptRounds:       300_000,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.MaxPBKDF2Iterations, d.MaxPBKDF2Iterations)
	set(&l.MaxBCryptRounds, d.MaxBCryptRounds)
	set(&l.MaxArgon2MemoryCost, d.MaxArgon2MemoryCost)
	set(&l.MaxArgon2TimeCost, d.MaxArgon2TimeCost)
	set(&l.MaxArgon2Parallelism, d.MaxArgon2Parallelism)
	set(&l.MaxScryptParallelism, d.MaxScryptParallelism)
	set(&l.MaxCryptRounds, d.MaxCryptRounds)
	if l.MaxBCryptRounds > 31 {
		l.MaxBCryptRounds = 31
	}
	return l
}

// Check returns an error matching ErrOverLimit when the costs of d (from
// Decode) exceed l, zero fields of l taking DefaultLimits: what Check and
// CheckUpgrade refuse before computing anything. It computes nothing.
func (l Limits) Check(d Decoded) error {
	l = l.withDefaults()
	switch d.Algorithm {
	case PBKDF2SHA256, PBKDF2SHA1:
		return pbkdf2Within(d.Iterations, &l)
	case BCrypt, BCryptSHA256:
		return bcryptWithin(d.WorkFactor, &l)
	case Argon2:
		return argon2Within(uint64(d.TimeCost), uint64(d.MemoryCost), uint64(d.Parallelism), &l)
	case Scrypt:
		return scryptWithin(uint64(d.WorkFactor), uint64(d.BlockSize), uint64(d.Parallelism), &l)
	case Crypt:
		return cryptWithin(d, &l)
	}
	return nil
}

// Options configure a Policy. The zero value (or a nil *Options) means the
// defaults of django.Newest. Zero fields take the chosen release's
// defaults; field names echo Django's settings and hasher attributes.
type Options struct {
	// Settings gives the Django release whose hashers and defaults apply
	// (Settings.Release: one of django.Releases(), "3.2" … "6.1"; empty
	// means django.Newest) and DEFAULT_HASHING_ALGORITHM of Django 3.1 and
	// 3.2 (Settings.DefaultHashingAlgorithm), the algorithm of the session
	// auth hash: "sha256" (the default) or "sha1"; later releases always
	// use sha256 and accept only "" or "sha256". The keys are not used:
	// SessionAuthHash and VerifySessionAuthHash take them.
	Settings django.Settings

	// PasswordHashers is PASSWORD_HASHERS by algorithm name: the first one
	// makes new hashes, every listed one checks. Nil means the release's
	// default list. Every entry must exist in the release (crypt was
	// removed in 5.0; sha1, unsalted_sha1 and unsalted_md5 in 5.1; scrypt
	// arrived in 4.0).
	PasswordHashers []Algorithm

	// PBKDF2Iterations is PBKDF2PasswordHasher.iterations (also used by
	// pbkdf2_sha1), as a subclass of the hasher would set it.
	PBKDF2Iterations int
	// Argon2 holds Argon2PasswordHasher's costs; zero fields take defaults.
	Argon2 Argon2Params
	// BCryptRounds is the bcrypt cost (log2 of the rounds) of bcrypt and
	// bcrypt_sha256 hashes, BCryptSHA256PasswordHasher.rounds.
	BCryptRounds int
	// Scrypt holds ScryptPasswordHasher's costs; zero fields take defaults.
	Scrypt ScryptParams

	// Limits bound the parameters read from stored hashes; zero fields take
	// DefaultLimits. The policy's own parameters must be within them.
	Limits Limits

	// Rand is the source of salts and unusable-password suffixes. Nil means
	// crypto/rand.Reader. It must be safe for concurrent use if the Policy
	// is used concurrently.
	Rand io.Reader
}

// Defaults returns the Options New fills in for release ("" means
// django.Newest): its PASSWORD_HASHERS and hasher parameters, and
// DefaultLimits.
func Defaults(release django.Release) (Options, error) {
	if err := release.Validate(); err != nil {
		return Options{}, fmt.Errorf("hashers: %w", err)
	}
	r, _ := lookupRelease(release)
	o := Options{
		Settings:         django.Settings{Release: r.name, DefaultHashingAlgorithm: string(signing.SHA256)},
		PasswordHashers:  slices.Clone(r.hashers),
		PBKDF2Iterations: r.pbkdf2,
		Argon2:           r.argon2,
		BCryptRounds:     r.bcrypt,
		Scrypt:           r.scrypt,
		Limits:           DefaultLimits(),
	}
	if r.scrypt == (ScryptParams{}) {
		// The release has no scrypt hasher; these values never apply.
		o.Scrypt = ScryptParams{16384, 8, 1}
	}
	return o, nil
}

// Policy is a configured set of Django password hashers: what Django's
// make_password, check_password, identify_hasher and must_update do under
// one release's settings. A Policy is immutable and safe for concurrent use
// (provided Options.Rand is).
type Policy struct {
	rel     *release
	hashers []Algorithm
	pbkdf2  int
	argon2  Argon2Params
	bcrypt  int
	scrypt  ScryptParams
	limits  Limits
	rand    io.Reader
	authAlg signing.Algorithm
	// authKeys keeps the derived session-auth-hash keys of the secrets
	// the policy has been asked about (see saltedKey).
	authKeys authKeyCache

	// onHarden, when set (by tests), learns of the extra work Check does
	// to hide timing: PBKDF2 iterations or bcrypt hashes of
	// harden_runtime, or 0 for the dummy hash of a value it cannot check.
	onHarden func(a Algorithm, extra int)
}

func (p *Policy) hardened(a Algorithm, extra int) {
	if p.onHarden != nil {
		p.onHarden(a, extra)
	}
}

// New returns the Policy opts describe; nil means all defaults of
// django.Newest. It returns django.ErrUnknownRelease, ErrUnknownAlgorithm for a
// hasher the release lacks, ErrParameters for parameters Django would
// refuse or that exceed the Limits.
func New(opts *Options) (*Policy, error) {
	if opts == nil {
		opts = &Options{}
	}
	def, err := Defaults(opts.Settings.Release)
	if err != nil {
		return nil, err
	}
	rel, _ := lookupRelease(def.Settings.Release)
	p := &Policy{rel: rel, limits: opts.Limits.withDefaults(), rand: opts.Rand}
	if p.rand == nil {
		p.rand = rand.Reader
	}

	p.hashers = slices.Clone(opts.PasswordHashers)
	if p.hashers == nil {
		p.hashers = def.PasswordHashers
	}
	if len(p.hashers) == 0 {
		return nil, fmt.Errorf("%w: PasswordHashers is empty", ErrUnknownAlgorithm)
	}
	for _, a := range p.hashers {
		if !rel.has(a) {
			return nil, fmt.Errorf("%w: Django %s has no %q hasher", ErrUnknownAlgorithm, rel.name, string(a))
		}
	}

	p.pbkdf2 = orDefault(opts.PBKDF2Iterations, def.PBKDF2Iterations)
	p.bcrypt = orDefault(opts.BCryptRounds, def.BCryptRounds)
	p.argon2 = Argon2Params{
		TimeCost:    orDefault(opts.Argon2.TimeCost, def.Argon2.TimeCost),
		MemoryCost:  orDefault(opts.Argon2.MemoryCost, def.Argon2.MemoryCost),
		Parallelism: orDefault(opts.Argon2.Parallelism, def.Argon2.Parallelism),
		HashLen:     orDefault(opts.Argon2.HashLen, def.Argon2.HashLen),
	}
	p.scrypt = ScryptParams{
		WorkFactor:  orDefault(opts.Scrypt.WorkFactor, def.Scrypt.WorkFactor),
		BlockSize:   orDefault(opts.Scrypt.BlockSize, def.Scrypt.BlockSize),
		Parallelism: orDefault(opts.Scrypt.Parallelism, def.Scrypt.Parallelism),
	}
	if err := p.checkParams(); err != nil {
		return nil, err
	}

	switch alg := opts.Settings.DefaultHashingAlgorithm; alg {
	case "", string(signing.SHA256):
		p.authAlg = signing.SHA256
	case string(signing.SHA1):
		if !rel.legacyAuth {
			return nil, fmt.Errorf("hashers: DefaultHashingAlgorithm %q: Django %s always uses sha256", alg, rel.name)
		}
		p.authAlg = signing.SHA1
	default:
		return nil, fmt.Errorf("hashers: DefaultHashingAlgorithm must be \"sha256\" or \"sha1\", not %q", alg)
	}
	return p, nil
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// checkParams validates the policy's own parameters: Django must be able to
// compute them and they must be within the limits.
func (p *Policy) checkParams() error {
	l := &p.limits
	if err := pbkdf2Within(p.pbkdf2, l); err != nil {
		return fmt.Errorf("PBKDF2Iterations: %w", err)
	}
	if err := bcryptWithin(p.bcrypt, l); err != nil {
		return fmt.Errorf("BCryptRounds: %w", err)
	}
	a := p.argon2
	if a.HashLen < 4 || a.HashLen > maxArgon2HashLen {
		return fmt.Errorf("%w: Argon2.HashLen %d not in [4, %d]", ErrParameters, a.HashLen, maxArgon2HashLen)
	}
	if err := argon2Within(uint64(a.TimeCost), uint64(a.MemoryCost), uint64(a.Parallelism), l); err != nil {
		return fmt.Errorf("Argon2: %w", err)
	}
	s := p.scrypt
	if err := scryptWithin(uint64(s.WorkFactor), uint64(s.BlockSize), uint64(s.Parallelism), l); err != nil {
		return fmt.Errorf("Scrypt: %w", err)
	}
	return nil
}

// Release returns the Django release whose rules the policy follows.
func (p *Policy) Release() django.Release { return p.rel.name }

// Hashers returns the policy's PASSWORD_HASHERS; the first one makes new
// hashes.
func (p *Policy) Hashers() []Algorithm { return slices.Clone(p.hashers) }

// Limits returns the limits the policy checks stored hashes against.
func (p *Policy) Limits() Limits { return p.limits }

func (p *Policy) enabled(a Algorithm) bool { return slices.Contains(p.hashers, a) }

// Identify returns the hasher of encoded like Identify, and
// ErrUnknownAlgorithm when the policy does not enable it (Django's
// identify_hasher with these PASSWORD_HASHERS).
func (p *Policy) Identify(encoded string) (Algorithm, error) {
	a, err := Identify(encoded)
	if err != nil {
		return "", err
	}
	if !p.enabled(a) {
		return "", unknownAlgorithm(a)
	}
	return a, nil
}

// parse identifies, parses and bounds encoded under the policy.
func (p *Policy) parse(encoded string) (value, error) {
	a, err := p.Identify(encoded)
	if err != nil {
		return nil, err
	}
	v, err := parse(a, encoded)
	if err != nil {
		return nil, err
	}
	if err := p.limits.Check(v.decoded()); err != nil {
		return nil, err
	}
	return v, nil
}

// Check reports whether password matches the encoded password, as Django's
// check_password(password, encoded) does under the policy: the comparison
// runs in constant time, and when a wrong password is checked against a
// hash of the preferred algorithm but a lower cost, the difference in cost
// is spent anyway (harden_runtime), so the answer's timing does not tell
// that the stored hash is old. An unusable, unknown, malformed or
// out-of-bounds value costs one hash with the preferred hasher, as in
// Django, and returns an error.
//
// The result is true only when err is nil. A wrong password is (false,
// nil). Errors wrap ErrUnusablePassword, ErrUnknownAlgorithm, ErrMalformed,
// ErrParameters, ErrUnsupported or ErrInvalidPassword.
func (p *Policy) Check(password, encoded string) (bool, error) {
	ok, _, err := p.verify(password, encoded)
	return ok, err
}

// CheckUpgrade is Check followed by what Django's check_password does with a
// setter: when the password matches and MustUpdate holds for encoded, it
// returns the password re-hashed with the preferred hasher and the policy's
// parameters, which the caller should store in place of encoded. Otherwise
// rehashed is empty. The result is true only when err is nil (an error
// while re-hashing is returned, as Django lets the setter's exception
// through).
func (p *Policy) CheckUpgrade(password, encoded string) (ok bool, rehashed string, err error) {
	ok, must, err := p.verify(password, encoded)
	if err != nil || !ok || !must {
		return ok, "", err
	}
	rehashed, err = p.Make(password)
	if err != nil {
		return false, "", err
	}
	return true, rehashed, nil
}

// verify is Django's verify_password (5.0+; the same logic inside
// check_password before): whether the password is correct and whether the
// stored hash must be updated.
func (p *Policy) verify(password, encoded string) (correct, mustUpdate bool, err error) {
	v, err := p.parse(encoded)
	if err != nil {
		p.fakeRuntime()
		return false, false, err
	}
	changed := v.decoded().Algorithm != p.hashers[0]
	mustUpdate = changed || v.mustUpdate(p)
	correct, err = v.verify(password)
	if err != nil {
		return false, false, err
	}
	if !correct && !changed && mustUpdate {
		v.harden(p, password)
	}
	return correct, mustUpdate, nil
}

// fakeRuntime is Django's dummy make_password of a random 40-character
// string with the default hasher, run when there is nothing to check.
func (p *Policy) fakeRuntime() {
	p.hardened(p.hashers[0], 0)
	pw, err := randomString(p.rand, UnusableSuffixLength, randomStringChars)
	if err != nil {
		pw = "dummy password for constant time"
	}
	_, _ = p.Make(pw)
}

// MustUpdate reports whether encoded should be re-hashed under the policy:
// its hasher is not the preferred one, or its parameters (or salt length)
// differ from the policy's (Django's check_password must_update). It
// returns the errors of Identify and ErrMalformed for a value that does not
// parse; it computes no hash.
func (p *Policy) MustUpdate(encoded string) (bool, error) {
	a, err := p.Identify(encoded)
	if err != nil {
		return false, err
	}
	if a != p.hashers[0] {
		return true, nil
	}
	v, err := parse(a, encoded)
	if err != nil {
		return false, err
	}
	return v.mustUpdate(p), nil
}

// Make hashes password with the preferred hasher (the first of
// PASSWORD_HASHERS), the policy's parameters and a fresh random salt:
// Django's make_password(password).
func (p *Policy) Make(password string) (string, error) {
	return p.MakeWith(p.hashers[0], password, "")
}

// MakeWith hashes password with the hasher a, which must be enabled in the
// policy, and salt: Django's make_password(password, salt, hasher). An
// empty salt means a fresh random one, made as the hasher's salt() does.
// A salt is what Django's hasher takes: for pbkdf2_*, argon2, scrypt, md5
// and sha1 a non-empty string without "$" (at least 8 bytes for argon2);
// for bcrypt and bcrypt_sha256 a bcrypt setting such as
// "$2b$12$" + 22 characters, whose cost it carries; for crypt 2 characters
// of [./0-9A-Za-z]; for the unsalted hashers nothing.
func (p *Policy) MakeWith(a Algorithm, password, salt string) (string, error) {
	if !a.known() || !p.enabled(a) {
		return "", fmt.Errorf("%w: %q is not in the policy's PASSWORD_HASHERS", ErrUnknownAlgorithm, string(a))
	}
	if salt == "" {
		var err error
		if salt, err = p.salt(a); err != nil {
			return "", err
		}
	}
	return p.encode(a, password, salt)
}

// MakeUnusable returns a new unusable password: "!" followed by 40 random
// characters, as make_password(None) and set_unusable_password make.
func (p *Policy) MakeUnusable() (string, error) {
	s, err := randomString(p.rand, UnusableSuffixLength, randomStringChars)
	if err != nil {
		return "", err
	}
	return UnusablePrefix + s, nil
}

// salt is the hasher's salt(): 22 characters of RANDOM_STRING_CHARS (128
// bits of entropy), a bcrypt setting, 2 characters for crypt, or nothing.
func (p *Policy) salt(a Algorithm) (string, error) {
	switch a {
	case UnsaltedMD5, UnsaltedSHA1:
		return "", nil
	case BCrypt, BCryptSHA256:
		return bcryptSalt(p.rand, p.bcrypt)
	case Crypt:
		return randomString(p.rand, 2, randomStringChars)
	}
	return randomString(p.rand, saltLength, randomStringChars)
}

func (p *Policy) encode(a Algorithm, password, salt string) (string, error) {
	switch a {
	case PBKDF2SHA256, PBKDF2SHA1:
		return pbkdf2Encode(a, password, salt, p.pbkdf2)
	case Argon2:
		return argon2Encode(password, salt, p.argon2)
	case BCryptSHA256, BCrypt:
		return bcryptEncode(a, password, salt, &p.limits)
	case Scrypt:
		return scryptEncode(password, salt, p.scrypt)
	case SHA1, MD5:
		return digestEncode(a, password, salt)
	case UnsaltedSHA1, UnsaltedMD5:
		return unsaltedEncode(a, password, salt)
	case Crypt:
		return cryptEncode(password, salt)
	}
	return "", unknownAlgorithm(a)
}
