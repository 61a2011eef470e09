package hashers

import (
	"fmt"
	"strings"

	"github.com/djsession/djsession/hashers/internal/unixcrypt"
)

// crypt$<salt>$<crypt(3) string>   (CryptPasswordHasher, Django ≤ 4.2)
//
// Django checks with crypt.crypt(password, stored) == stored, so a stored
// value may be any crypt(3) string the system's libxcrypt understands. This
// package computes, without cgo: traditional DES (what Django's hasher
// makes: a 2-character salt, 13 characters), bigcrypt, md5crypt ("$1$"),
// sha256crypt ("$5$"), sha512crypt ("$6$") (all in internal/unixcrypt)
// and bcrypt ("$2a$", "$2b$", "$2y$", as the bcrypt hashers compute it). Other methods ("$y$" yescrypt, "$gy$", "$7$", "_" BSDi, "$sha1$",
// "$md5", "$3$", "$2x$") are ErrUnsupported.
//
// libxcrypt fails (and Django's check is then False) for a password of 512
// bytes or more; Python refuses a password with a NUL byte. DES reads only
// the first 8 bytes of the password and 7 bits of each. One documented
// divergence: libxcrypt's "$2a$" has a countermeasure for a rare class of
// passwords with bytes above 0x7f that pyca/bcrypt does not; this package
// computes "$2a$" like "$2b$".

const cryptMaxPassword = 512 // CRYPT_MAX_PASSPHRASE_SIZE: longer fails

type cryptValue struct {
	d       Decoded
	sha     unixcrypt.SHASetting
	bcrypt  bcryptSetting
	stored  string
	unknown bool
}

func parseCrypt(encoded string) (value, error) {
	parts := strings.SplitN(encoded, "$", 3)
	if len(parts) != 3 || parts[0] != string(Crypt) {
		return nil, fmt.Errorf("%w: crypt needs 3 fields separated by '$'", ErrMalformed)
	}
	h := parts[2]
	v := &cryptValue{stored: h, d: Decoded{Algorithm: Crypt, Salt: parts[1], Hash: h}}
	bad := func(what string) error { return fmt.Errorf("%w: crypt %s", ErrMalformed, what) }
	switch {
	case strings.HasPrefix(h, "$1$"):
		v.d.CryptMethod = "md5crypt"
		salt := unixcrypt.Salt(h[3:], 8)
		sum, ok := strings.CutPrefix(h[3+len(salt):], "$")
		if !ok || !isCryptB64(sum, 22) {
			return nil, bad("md5crypt string")
		}
	case strings.HasPrefix(h, "$5$"), strings.HasPrefix(h, "$6$"):
		s, ok := unixcrypt.ParseSHASetting(h)
		if !ok {
			return nil, bad("sha-crypt setting")
		}
		v.sha = s
		v.d.CryptMethod, v.d.Iterations = "sha256crypt", s.Rounds
		n := 43
		if s.Is512 {
			v.d.CryptMethod, n = "sha512crypt", 86
		}
		prefix := h[:3]
		if s.Custom {
			prefix += fmt.Sprintf("rounds=%d$", s.Rounds)
		}
		prefix += s.Salt + "$"
		if !strings.HasPrefix(h, prefix) || !isCryptB64(h[len(prefix):], n) {
			return nil, bad("sha-crypt string")
		}
	case strings.HasPrefix(h, "$2a$"), strings.HasPrefix(h, "$2b$"), strings.HasPrefix(h, "$2y$"):
		st, canonical, err := parseBCryptSetting(h)
		if err != nil || !canonical || len(h) != bcryptSettingLen+bcryptHashLen {
			return nil, bad("bcrypt string")
		}
		v.bcrypt = st
		v.d.CryptMethod, v.d.WorkFactor, v.d.Algostr = "bcrypt", st.cost, h[1:3]
	case strings.HasPrefix(h, "$2x$"), strings.HasPrefix(h, "$y$"), strings.HasPrefix(h, "$gy$"),
		strings.HasPrefix(h, "$7$"), strings.HasPrefix(h, "_"), strings.HasPrefix(h, "$sha1$"),
		strings.HasPrefix(h, "$md5"), strings.HasPrefix(h, "$3$"):
		return nil, fmt.Errorf("%w: crypt method of %q", ErrUnsupported, cryptPrefix(h))
	case strings.HasPrefix(h, "$"):
		return nil, bad("method")
	default:
		if !isCryptB64(h, len(h)) || len(h) < 13 || (len(h)-13)%11 != 0 || len(h) > 13+11*15 {
			return nil, bad("DES string")
		}
		v.d.CryptMethod = "des"
		if len(h) > 13 {
			v.d.CryptMethod = "bigcrypt"
		}
	}
	return v, nil
}

// cryptPrefix returns the method prefix of a crypt string, for messages.
func cryptPrefix(h string) string {
	if strings.HasPrefix(h, "_") {
		return "_"
	}
	if i := strings.IndexAny(h[1:], "$,"); i >= 0 {
		return h[:i+1]
	}
	return h[:min(len(h), 6)]
}

func isCryptB64(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if unixcrypt.Index(s[i]) < 0 {
			return false
		}
	}
	return true
}

func (v *cryptValue) decoded() Decoded { return v.d }

func cryptWithin(d Decoded, l *Limits) error {
	switch d.CryptMethod {
	case "sha256crypt", "sha512crypt":
		if d.Iterations > l.MaxCryptRounds {
			return fmt.Errorf("%w: %s rounds %d (limit %d)", ErrOverLimit, d.CryptMethod, d.Iterations, l.MaxCryptRounds)
		}
	case "bcrypt":
		return bcryptWithin(d.WorkFactor, l)
	}
	return nil
}

func (v *cryptValue) verify(password string) (bool, error) {
	if strings.IndexByte(password, 0) >= 0 {
		return false, fmt.Errorf("%w: crypt takes no NUL bytes", ErrInvalidPassword)
	}
	if len(password) >= cryptMaxPassword {
		return false, nil // libxcrypt returns its failure token "*0"
	}
	pw := []byte(password)
	var got string
	switch v.d.CryptMethod {
	case "md5crypt":
		got = unixcrypt.MD5(pw, v.stored)
	case "sha256crypt", "sha512crypt":
		got = unixcrypt.SHA(pw, v.sha)
	case "bcrypt":
		if len(pw) > bcryptMaxKey {
			pw = pw[:bcryptMaxKey]
		}
		got = bcryptString(&v.bcrypt, pw)
	default:
		got, _ = unixcrypt.DES(pw, v.stored)
	}
	return equal(v.stored, got), nil
}

func (v *cryptValue) mustUpdate(*Policy) bool { return false }
func (v *cryptValue) harden(*Policy, string)  {}

// cryptEncode is CryptPasswordHasher.encode: DES crypt with a 2-character
// salt, stored after an empty salt field.
func cryptEncode(password, salt string) (string, error) {
	if len(salt) != 2 || unixcrypt.Index(salt[0]) < 0 || unixcrypt.Index(salt[1]) < 0 {
		return "", fmt.Errorf("%w: crypt takes 2 characters of [./0-9A-Za-z]", ErrInvalidSalt)
	}
	if strings.IndexByte(password, 0) >= 0 {
		return "", fmt.Errorf("%w: crypt takes no NUL bytes", ErrInvalidPassword)
	}
	if len(password) > 8 {
		return "", fmt.Errorf("%w: DES crypt reads 8 bytes", ErrPasswordTooLong)
	}
	h, _ := unixcrypt.DES([]byte(password), salt)
	return "crypt$$" + h, nil
}
