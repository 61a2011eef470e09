// Package hashers implements Django's password hashers
// (django.contrib.auth.hashers) byte for byte, so that a Go service can
// accept every hash in a Django auth_user table and write hashes Django
// accepts.
//
// Which call to use:
//
//   - Build one Policy at start-up with New. A Policy is Django's
//     PASSWORD_HASHERS plus the hashers' parameters as one Django release
//     sets them; New(nil) follows the newest release (DefaultRelease), and
//     Options.Release picks another ("3.2" … "6.1"). Match the release (and,
//     for argon2, Options.Argon2.HashLen) of the Django that shares the
//     table.
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
// Checks follow Django, including where it hides timing: the comparison is
// constant-time; a wrong password checked against a cheaper hash of the
// preferred hasher spends the missing cost (harden_runtime); an unusable,
// unknown or malformed value costs one hash with the preferred hasher. They
// differ from Django where Django would raise or loop: a value that does not
// parse, or can never match, is an error (ErrMalformed) rather than False or
// an exception, and costs read from a stored value are bounded by Limits
// before anything is computed (ErrParameters), so a hostile row cannot
// exhaust the process. Make never truncates a password silently: plain
// bcrypt refuses more than 72 bytes and crypt more than 8
// (ErrPasswordTooLong), where Django would drop the rest.
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
