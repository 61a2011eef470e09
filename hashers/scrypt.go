package hashers

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// scrypt$<N>$<salt>$<r>$<p>$<base64 of 64 bytes>   (Django 4.0+)
//
// Django calls hashlib.scrypt with maxmem=0, which leaves OpenSSL's default
// limit of 32 MiB in place: parameters needing more (128·r·(N+2) bytes for
// V plus 128·r·p for B) make Django raise ValueError, so they are refused
// here too, before anything is allocated.

const (
	scryptKeyLen = 64
	scryptMaxMem = 32 << 20 // OpenSSL's SCRYPT_MAX_MEM, used when maxmem is 0
	scryptPRMax  = 1<<30 - 1
)

type scryptValue struct{ d Decoded }

func parseScrypt(encoded string) (value, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != string(Scrypt) {
		return nil, fmt.Errorf("%w: scrypt needs 6 fields separated by '$'", ErrMalformed)
	}
	n, ok1 := parseDecimal(parts[1])
	r, ok2 := parseDecimal(parts[3])
	p, ok3 := parseDecimal(parts[4])
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("%w: scrypt parameters", ErrMalformed)
	}
	if parts[2] == "" {
		return nil, fmt.Errorf("%w: scrypt has an empty salt", ErrMalformed)
	}
	if err := scryptValid(uint64(n), uint64(r), uint64(p)); err != nil {
		return nil, err
	}
	if !canonicalStdBase64(parts[5], scryptKeyLen) {
		return nil, fmt.Errorf("%w: scrypt hash is not the base64 of %d bytes", ErrMalformed, scryptKeyLen)
	}
	return &scryptValue{Decoded{Algorithm: Scrypt, WorkFactor: n, Salt: parts[2],
		BlockSize: r, Parallelism: p, Hash: parts[5]}}, nil
}

// scryptValid applies the checks of hashlib.scrypt and OpenSSL that do not
// depend on memory: N a power of two above 1, r and p positive, r·p below
// 2^30, N below 2^(16·r).
func scryptValid(n, r, p uint64) error {
	if n < 2 || n&(n-1) != 0 {
		return fmt.Errorf("%w: scrypt N must be a power of 2 above 1", ErrMalformed)
	}
	if r == 0 || p == 0 || r > scryptPRMax || p > scryptPRMax/r {
		return fmt.Errorf("%w: scrypt r and p", ErrMalformed)
	}
	if 16*r < 64 && n >= 1<<(16*r) {
		return fmt.Errorf("%w: scrypt N must be below 2^(16·r)", ErrMalformed)
	}
	return nil
}

// scryptWithin checks the memory OpenSSL would allow Django and the
// policy's bound on p.
func scryptWithin(n, r, p uint64, l *Limits) error {
	if err := scryptValid(n, r, p); err != nil {
		return fmt.Errorf("%w: %w", ErrParameters, err)
	}
	if n > scryptMaxMem || r > scryptMaxMem || 128*r*(n+2) > scryptMaxMem || 128*r*(n+2)+128*r*p > scryptMaxMem {
		return fmt.Errorf("%w: scrypt N=%d r=%d p=%d needs more than 32 MiB, which Django's OpenSSL refuses", ErrOverLimit, n, r, p)
	}
	if p > uint64(l.MaxScryptParallelism) {
		return fmt.Errorf("%w: scrypt p=%d (limit %d)", ErrOverLimit, p, l.MaxScryptParallelism)
	}
	return nil
}

func (v *scryptValue) decoded() Decoded { return v.d }

func (v *scryptValue) verify(password string) (bool, error) {
	dk, err := scryptKey([]byte(password), []byte(v.d.Salt), v.d.WorkFactor, v.d.BlockSize, v.d.Parallelism)
	if err != nil {
		return false, fmt.Errorf("%w: scrypt: %w", ErrParameters, err)
	}
	return equal(v.d.Hash, base64.StdEncoding.EncodeToString(dk)), nil
}

func (v *scryptValue) mustUpdate(p *Policy) bool {
	return v.d.WorkFactor != p.scrypt.WorkFactor || v.d.BlockSize != p.scrypt.BlockSize ||
		v.d.Parallelism != p.scrypt.Parallelism
}

func (v *scryptValue) harden(*Policy, string) {}

// scryptKey is hashlib.scrypt with a 64-byte key, as Django computes it:
// x/crypto/scrypt. The parameters must have been bounded first (scrypt
// allocates 128·r·(N+p) bytes).
func scryptKey(password, salt []byte, n, r, p int) ([]byte, error) {
	return scrypt.Key(password, salt, n, r, p, scryptKeyLen)
}

func scryptEncode(password, salt string, s ScryptParams) (string, error) {
	if !validSalt(salt) {
		return "", fmt.Errorf("%w: must be non-empty and without '$'", ErrInvalidSalt)
	}
	dk, err := scryptKey([]byte(password), []byte(salt), s.WorkFactor, s.BlockSize, s.Parallelism)
	if err != nil {
		return "", fmt.Errorf("%w: scrypt: %w", ErrParameters, err)
	}
	return "scrypt$" + strconv.Itoa(s.WorkFactor) + "$" + salt + "$" + strconv.Itoa(s.BlockSize) + "$" +
		strconv.Itoa(s.Parallelism) + "$" + base64.StdEncoding.EncodeToString(dk), nil
}
