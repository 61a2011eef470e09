// Package hashers implements Django's password hashers
// (django.contrib.auth.hashers) byte for byte, so that a Go service can
// accept every hash in a Django auth_user table and write hashes Django
// accepts.
//
// Which call to use:
//
//   - Build one Policy at start-up with New. A Policy is Django's
//     PASSWORD_HASHERS plus the hashers' parameters as one Django release
//     sets them; New(nil) follows the newest release (django.Newest),
//     and Options.Settings.Release picks another ("3.2" … "6.1"). Match
//     the release (and, for argon2, Options.Argon2.HashLen) of the Django
//     that shares the table.
//   - At login, call CheckUpgrade(password, user.Password). It is Django's
//     check_password with a setter: when the password matches and the stored
//     hash is outdated (another hasher, other costs, a short salt), it also
//     returns the re-hashed value to save. Use Check when you never write
//     back.
//   - To set a password, call Make (Django's make_password); MakeUnusable is
//     set_unusable_password, IsUsable is is_password_usable.
//   - Identify tells which hasher made a value, Decode its parameters,
//     MustUpdate whether the policy would re-hash it.
//   - SessionAuthHash is get_session_auth_hash(), the "_auth_user_hash" that
//     login() stores in the session; VerifySessionAuthHash judges a stored
//     one as get_user does, SECRET_KEY_FALLBACKS included.
//
// Every hasher Django ships or has shipped is here: pbkdf2_sha256,
// pbkdf2_sha1, argon2 (argon2id, and the argon2i, argon2d and version 16
// encodings Django still reads), bcrypt_sha256, bcrypt, scrypt, sha1, md5,
// unsalted_sha1, unsalted_md5 and crypt (DES, bigcrypt, md5crypt, sha256crypt,
// sha512crypt and bcrypt computed without cgo; other crypt(3) methods are
// ErrUnsupported). A policy enables only the hashers its release ships.
//
// The cryptography is the standard library's and x/crypto's: crypto/pbkdf2
// (inside Go's FIPS 140 module), x/crypto/blowfish for bcrypt (the two calls
// x/crypto/bcrypt makes; x/crypto/bcrypt itself takes no salt, and Django's
// make_password does), x/crypto/scrypt and x/crypto/argon2 (argon2id and
// argon2i, version 19: all Django writes). What x/crypto lacks lives in
// internal packages: internal/argon2ref (argon2d, version 16) and
// internal/unixcrypt (the DES, md5crypt and SHA-crypt methods of crypt(3),
// for the crypt hasher of Django 4.2 and earlier).
//
// Checks follow Django, including where it hides timing: the comparison is
// constant-time; a wrong password checked against a cheaper hash of the
// preferred hasher spends the missing cost (harden_runtime); an unusable,
// unknown or malformed value costs one hash with the preferred hasher. They
// differ from Django where Django would raise or loop: a value that does not
// parse, or can never match, is an error (ErrMalformed) rather than False or
// an exception, and costs read from a stored value are bounded by Limits
// before anything is computed (ErrOverLimit), so a hostile row cannot
// exhaust the process. Make never truncates a password silently: plain
// bcrypt refuses more than 72 bytes and crypt more than 8
// (ErrPasswordTooLong), where Django would drop the rest.
//
// # Cost limits
//
// What Django's releases write with their defaults (hashers.py of each
// release; 3.2, 4.2, 5.2 and 6.1 also checked by running them):
//
//	release  PBKDF2 iterations  bcrypt cost  argon2 t, m KiB, p  scrypt N, r, p
//	3.2      260,000            12           2, 102400, 8        (none)
//	4.0      320,000            12           2, 102400, 8        16384, 8, 1
//	4.1      390,000            12           2, 102400, 8        16384, 8, 1
//	4.2      600,000            12           2, 102400, 8        16384, 8, 1
//	5.0      720,000            12           2, 102400, 8        16384, 8, 1
//	5.1      870,000            12           2, 102400, 8        16384, 8, 5
//	5.2      1,000,000          12           2, 102400, 8        16384, 8, 5
//	6.0      1,200,000          12           2, 102400, 8        16384, 8, 5
//	6.1      1,500,000          12           2, 102400, 8        16384, 8, 5
//
// DefaultLimits allows twice the newest release's figure for each
// parameter, which leaves room for the next releases' PBKDF2 increases
// (about 20% a release) and for a hasher subclass one step above Django's
// costs: PBKDF2 3,000,000 iterations, bcrypt cost 13, argon2 t=4,
// m=204800 KiB (200 MiB) and p=16, scrypt p=10 with N and r held to the
// 32 MiB OpenSSL gives Django, and sha-crypt 300,000 rounds (Django's crypt
// hasher writes DES; libxcrypt's default is 5000). On the 2-core machine
// the benchmarks run on, a check at the PBKDF2 or bcrypt limit costs about
// 0.4-0.6 s; the worst argon2 value (t and m both at their limits) about 4
// times a default check and 200 MiB. Where a site's costs are higher, raise
// Options.Limits.
//
// For comparison, rust-djangohashers 1.8.3 (the Rust port, September 2025)
// caps PBKDF2 at 1,500,000 iterations (Django 6.1's default, with no
// margin) and bcrypt at cost 16, and has no cap for argon2 (and no scrypt
// hasher).
//
// Check, CheckUpgrade and Limits.Check (for a value from Decode) agree on
// what is over the limits: an error matching ErrOverLimit (and
// ErrParameters), found before any hashing.
//
// Every error wraps one of the package's sentinel errors for errors.Is, and
// no message contains a password, a hash or a secret. Randomness comes from
// Options.Rand (crypto/rand by default).
//
// The behaviour is checked against real Django 3.2, 4.2, 5.2 and 6.1:
// golden vectors made by each release (testdata/hashers.json, from
// testdata/hashers_gen.py) and a live test in which each release checks
// hashes made here and the reverse (DJ_TEST_DJANGO=1).
package hashers
