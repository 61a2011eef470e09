package hashers

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"golang.org/x/crypto/blowfish"
)

// bcrypt_sha256$$2b$12$<22 salt><31 hash>   bcrypt of hex(sha256(password))
// bcrypt$$2b$12$<22 salt><31 hash>          bcrypt of the password itself
//
// Django passes the stored bcrypt string back to bcrypt.hashpw as the salt
// and compares the whole result, so a value only ever matches if it is
// exactly what hashpw writes: prefix $2a$, $2b$ or $2y$ (kept as given),
// a two-digit cost from 04 to 31, and the canonical encoding of the salt.
//
// bcrypt reads at most 72 bytes of password. bcrypt_sha256 never reaches
// that limit (it hashes 64 hex digits). For plain bcrypt, the bcrypt module
// up to 4.x (Debian 12 has 3.2.2) ignores what follows byte 72, and this
// package does the same when checking; bcrypt 5.0 raises ValueError
// instead. Make and MakeWith refuse such a password with ErrPasswordTooLong
// rather than truncate it silently. A password with a NUL byte is refused
// by the bcrypt module and here (ErrInvalidPassword).

const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

var bcryptEncoding = base64.NewEncoding(bcryptAlphabet).WithPadding(base64.NoPadding)

func bcryptBase64(b []byte) string { return bcryptEncoding.EncodeToString(b) }

const (
	bcryptSettingLen = 29 // "$2b$12$" + 22 salt characters
	bcryptHashLen    = 31 // 23 bytes
	bcryptMaxKey     = 72
)

// bcryptSetting is a parsed "$2b$12$<22 characters>".
type bcryptSetting struct {
	minor byte // 'a', 'b' or 'y'
	cost  int
	salt  [16]byte
}

// parseBCryptSetting parses the first 29 characters of s as hashpw does.
// It also reports whether the salt characters are canonical (hashpw writes
// them back re-encoded, so a non-canonical salt can never match).
func parseBCryptSetting(s string) (st bcryptSetting, canonical bool, err error) {
	if len(s) < bcryptSettingLen || s[0] != '$' || s[1] != '2' || s[3] != '$' || s[6] != '$' {
		return st, false, fmt.Errorf("%w: not a bcrypt setting", ErrMalformed)
	}
	switch s[2] {
	case 'a', 'b', 'y':
		st.minor = s[2]
	default:
		// $2x$ (and $2$) are refused by the bcrypt module.
		return st, false, fmt.Errorf("%w: bcrypt variant %q", ErrMalformed, s[1:3])
	}
	if s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9' {
		return st, false, fmt.Errorf("%w: bcrypt cost", ErrMalformed)
	}
	st.cost = int(s[4]-'0')*10 + int(s[5]-'0')
	if st.cost < 4 || st.cost > 31 {
		return st, false, fmt.Errorf("%w: bcrypt cost %d not in [4, 31]", ErrMalformed, st.cost)
	}
	text := s[7:bcryptSettingLen]
	// 22 characters carry 132 bits; the salt is the first 128.
	raw, err := bcryptEncoding.DecodeString(text)
	if err != nil || len(raw) != len(st.salt) {
		return st, false, fmt.Errorf("%w: bcrypt salt is not bcrypt base64", ErrMalformed)
	}
	copy(st.salt[:], raw)
	return st, bcryptBase64(st.salt[:]) == text, nil
}

func (st *bcryptSetting) String() string {
	return fmt.Sprintf("$2%c$%02d$%s", st.minor, st.cost, bcryptBase64(st.salt[:]))
}

type bcryptValue struct {
	d       Decoded
	setting bcryptSetting
	data    string // the stored bcrypt string
}

func parseBCrypt(a Algorithm, encoded string) (value, error) {
	data, ok := strings.CutPrefix(encoded, string(a)+"$")
	if !ok {
		return nil, fmt.Errorf("%w: not a %s value", ErrMalformed, a)
	}
	st, canonical, err := parseBCryptSetting(data)
	if err != nil {
		return nil, err
	}
	if !canonical {
		return nil, fmt.Errorf("%w: bcrypt salt is not canonical", ErrMalformed)
	}
	sum := data[bcryptSettingLen:]
	if len(sum) != bcryptHashLen {
		return nil, fmt.Errorf("%w: bcrypt hash is not %d characters", ErrMalformed, bcryptHashLen)
	}
	if b, err := bcryptEncoding.DecodeString(sum); err != nil || bcryptBase64(b) != sum {
		return nil, fmt.Errorf("%w: bcrypt hash is not canonical bcrypt base64", ErrMalformed)
	}
	d := Decoded{Algorithm: a, Algostr: data[1:3], WorkFactor: st.cost,
		Salt: data[7:bcryptSettingLen], Hash: sum}
	return &bcryptValue{d: d, setting: st, data: data}, nil
}

func (v *bcryptValue) decoded() Decoded { return v.d }

func bcryptWithin(cost int, l *Limits) error {
	if cost < 4 {
		return fmt.Errorf("%w: bcrypt cost %d below 4", ErrParameters, cost)
	}
	if cost > l.MaxBCryptRounds {
		return fmt.Errorf("%w: bcrypt cost %d (limit %d)", ErrOverLimit, cost, l.MaxBCryptRounds)
	}
	return nil
}

func (v *bcryptValue) verify(password string) (bool, error) {
	key, err := bcryptKey(v.d.Algorithm, password, false)
	if err != nil {
		return false, err
	}
	return equal(v.data, bcryptString(&v.setting, key)), nil
}

func (v *bcryptValue) mustUpdate(p *Policy) bool { return v.setting.cost != p.bcrypt }

// harden hashes 2^(policy cost − stored cost) − 1 more times at the stored
// cost, so that the total matches one hash at the policy's cost.
func (v *bcryptValue) harden(p *Policy, password string) {
	diff := p.bcrypt - v.setting.cost
	if diff <= 0 {
		return
	}
	key, err := bcryptKey(v.d.Algorithm, password, false)
	if err != nil {
		return
	}
	p.hardened(v.d.Algorithm, (1<<diff)-1)
	for n := (1 << diff) - 1; n > 0; n-- {
		bcryptString(&v.setting, key)
	}
}

// bcryptKey returns what Django passes to hashpw: the lowercase hex SHA-256
// of the password for bcrypt_sha256, the password itself for bcrypt
// (truncated at 72 bytes when checking, refused when making).
func bcryptKey(a Algorithm, password string, making bool) ([]byte, error) {
	if a == BCryptSHA256 {
		sum := sha256.Sum256([]byte(password))
		return []byte(hex.EncodeToString(sum[:])), nil
	}
	if strings.IndexByte(password, 0) >= 0 {
		return nil, fmt.Errorf("%w: bcrypt takes no NUL bytes", ErrInvalidPassword)
	}
	if len(password) > bcryptMaxKey {
		if making {
			return nil, ErrPasswordTooLong
		}
		password = password[:bcryptMaxKey]
	}
	return []byte(password), nil
}

func bcryptEncode(a Algorithm, password, salt string, l *Limits) (string, error) {
	if len(salt) != bcryptSettingLen {
		return "", fmt.Errorf("%w: a bcrypt salt is \"$2b$\", a two-digit cost, \"$\" and 22 characters", ErrInvalidSalt)
	}
	st, _, err := parseBCryptSetting(salt)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidSalt, err)
	}
	if err := bcryptWithin(st.cost, l); err != nil {
		return "", err
	}
	key, err := bcryptKey(a, password, true)
	if err != nil {
		return "", err
	}
	return string(a) + "$" + bcryptString(&st, key), nil
}

// bcryptString is hashpw(key, setting): the 60-character bcrypt string.
func bcryptString(st *bcryptSetting, key []byte) string {
	sum := bcryptRaw(key, st.salt[:], st.cost)
	return st.String() + bcryptBase64(sum[:])
}

var bcryptMagic = [24]byte{'O', 'r', 'p', 'h', 'e', 'a', 'n', 'B', 'e', 'h', 'o', 'l',
	'd', 'e', 'r', 'S', 'c', 'r', 'y', 'D', 'o', 'u', 'b', 't'}

// bcryptRaw is EksBlowfish: the key (at most 72 bytes, without its
// terminating NUL, which is added here) and the 16-byte salt set up the
// cipher, 2^cost rounds of key expansion follow, then
// "OrpheanBeholderScryDoubt" is encrypted 64 times; the first 23 bytes are
// the hash.
//
// It is built from x/crypto/blowfish's NewSaltedCipher and ExpandKey, the
// calls x/crypto/bcrypt makes, because Django's hashers need what
// x/crypto/bcrypt does not offer: make_password takes the salt (a bcrypt
// setting) from the caller, and the policy's salts come from Options.Rand,
// where bcrypt.GenerateFromPassword draws its own from crypto/rand and
// writes "$2a$" rather than Django's "$2b$". The tests check this against
// bcrypt.CompareHashAndPassword.
func bcryptRaw(key, salt []byte, cost int) [23]byte {
	ckey := make([]byte, len(key)+1)
	copy(ckey, key)
	defer clear(ckey)
	c, err := blowfish.NewSaltedCipher(ckey, salt)
	if err != nil {
		// Unreachable: ckey is never empty.
		panic("hashers: blowfish: " + err.Error())
	}
	for i := uint64(0); i < 1<<uint(cost); i++ {
		blowfish.ExpandKey(ckey, c)
		blowfish.ExpandKey(salt, c)
	}
	data := bcryptMagic
	for i := 0; i < 24; i += 8 {
		for range 64 {
			c.Encrypt(data[i:i+8], data[i:i+8])
		}
	}
	var out [23]byte
	copy(out[:], data[:23])
	return out
}
