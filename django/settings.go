package django

// Settings are the project-wide settings of settings.py that several
// packages of this module follow. Write them once and give the same
// Settings to every constructor's Options (their Settings field); each
// constructor copies what it needs. The zero value is a new project on the
// newest release without a SECRET_KEY; the packages that sign or hash
// refuse an empty SecretKey.
type Settings struct {
	// SecretKey is SECRET_KEY: it keys session data, signed cookies,
	// messages and the session auth hash.
	SecretKey string
	// SecretKeyFallbacks is SECRET_KEY_FALLBACKS (Django 4.1+): older
	// keys whose signatures and session auth hashes are still accepted;
	// new ones are always made with SecretKey.
	SecretKeyFallbacks []string
	// Release is the Django release whose behaviour to follow where it
	// changed; the empty Release means Newest.
	Release Release
	// DefaultHashingAlgorithm is DEFAULT_HASHING_ALGORITHM of Django 3.1
	// and 3.2: "sha1" makes the session auth hash with SHA-1; "" or
	// "sha256" is the default, and the only value later releases accept.
	DefaultHashingAlgorithm string
}

// Keys returns a new slice of SecretKey followed by SecretKeyFallbacks,
// the order in which signatures are tried.
func (s Settings) Keys() []string {
	return append([]string{s.SecretKey}, s.SecretKeyFallbacks...)
}

// Validate returns an error matching ErrUnknownRelease for a Release this
// module does not know. Constructors taking Settings call it.
func (s Settings) Validate() error {
	return s.Release.Validate()
}
