package hashers

import "github.com/djsession/djsession/django"

// release is what a Django release's hashers.py and global_settings.py
// fix: class attributes of the hashers, which hashers exist, and the
// default PASSWORD_HASHERS; plus how get_user checks the session auth hash.
type release struct {
	name       django.Release
	pbkdf2     int          // PBKDF2PasswordHasher.iterations
	argon2     Argon2Params // Argon2PasswordHasher (HashLen is argon2-cffi's)
	bcrypt     int          // BCryptSHA256PasswordHasher.rounds
	scrypt     ScryptParams // ScryptPasswordHasher; zero before 4.0
	hashers    []Algorithm  // global_settings.PASSWORD_HASHERS
	available  []Algorithm  // classes in django.contrib.auth.hashers
	legacyAuth bool         // 3.1–3.2: DEFAULT_HASHING_ALGORITHM, legacy SHA-1 hash accepted
	fallbacks  bool         // SECRET_KEY_FALLBACKS honoured by get_user (4.1.8+)
}

var (
	// Argon2 parameters since 3.2 (argon2id, t=2, m=102400 KiB, p=8). The
	// hash length is argon2-cffi's DEFAULT_HASH_LENGTH, 32 since 21.2.0.
	argon2Since32 = Argon2Params{TimeCost: 2, MemoryCost: 102400, Parallelism: 8, HashLen: 32}

	hashersDefault32 = []Algorithm{PBKDF2SHA256, PBKDF2SHA1, Argon2, BCryptSHA256}
	hashersDefault40 = []Algorithm{PBKDF2SHA256, PBKDF2SHA1, Argon2, BCryptSHA256, Scrypt}

	available32 = []Algorithm{PBKDF2SHA256, PBKDF2SHA1, Argon2, BCryptSHA256, BCrypt,
		SHA1, MD5, UnsaltedSHA1, UnsaltedMD5, Crypt}
	available40 = []Algorithm{PBKDF2SHA256, PBKDF2SHA1, Argon2, BCryptSHA256, BCrypt, Scrypt,
		SHA1, MD5, UnsaltedSHA1, UnsaltedMD5, Crypt}
	available50 = []Algorithm{PBKDF2SHA256, PBKDF2SHA1, Argon2, BCryptSHA256, BCrypt, Scrypt,
		SHA1, MD5, UnsaltedSHA1, UnsaltedMD5} // CryptPasswordHasher removed
	available51 = []Algorithm{PBKDF2SHA256, PBKDF2SHA1, Argon2, BCryptSHA256, BCrypt, Scrypt,
		MD5} // SHA1, UnsaltedSHA1 and UnsaltedMD5 removed
)

// The table. 3.2, 4.2, 5.2 and 6.1 were checked by running Debian's
// packages of Django 3.2.25, 4.2.28, 5.2.18 and 6.1.1 (see
// testdata/hashers.json); the other rows come from Django's source and
// release notes.
var releases = []release{
	{name: django.Django32, pbkdf2: 260000, argon2: argon2Since32, bcrypt: 12,
		hashers: hashersDefault32, available: available32, legacyAuth: true},
	{name: django.Django40, pbkdf2: 320000, argon2: argon2Since32, bcrypt: 12, scrypt: ScryptParams{16384, 8, 1},
		hashers: hashersDefault40, available: available40},
	{name: django.Django41, pbkdf2: 390000, argon2: argon2Since32, bcrypt: 12, scrypt: ScryptParams{16384, 8, 1},
		hashers: hashersDefault40, available: available40, fallbacks: true},
	{name: django.Django42, pbkdf2: 600000, argon2: argon2Since32, bcrypt: 12, scrypt: ScryptParams{16384, 8, 1},
		hashers: hashersDefault40, available: available40, fallbacks: true},
	{name: django.Django50, pbkdf2: 720000, argon2: argon2Since32, bcrypt: 12, scrypt: ScryptParams{16384, 8, 1},
		hashers: hashersDefault40, available: available50, fallbacks: true},
	{name: django.Django51, pbkdf2: 870000, argon2: argon2Since32, bcrypt: 12, scrypt: ScryptParams{16384, 8, 5},
		hashers: hashersDefault40, available: available51, fallbacks: true},
	{name: django.Django52, pbkdf2: 1000000, argon2: argon2Since32, bcrypt: 12, scrypt: ScryptParams{16384, 8, 5},
		hashers: hashersDefault40, available: available51, fallbacks: true},
	{name: django.Django60, pbkdf2: 1200000, argon2: argon2Since32, bcrypt: 12, scrypt: ScryptParams{16384, 8, 5},
		hashers: hashersDefault40, available: available51, fallbacks: true},
	{name: django.Django61, pbkdf2: 1500000, argon2: argon2Since32, bcrypt: 12, scrypt: ScryptParams{16384, 8, 5},
		hashers: hashersDefault40, available: available51, fallbacks: true},
}

func lookupRelease(name django.Release) (*release, bool) {
	name = name.OrNewest()
	for i := range releases {
		if releases[i].name == name {
			return &releases[i], true
		}
	}
	return nil, false
}

func (r *release) has(a Algorithm) bool {
	for _, b := range r.available {
		if a == b {
			return true
		}
	}
	return false
}
