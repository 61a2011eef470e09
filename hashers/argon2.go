package hashers

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/djsession/djsession/hashers/internal/argon2ref"
)

// argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>
//
// After "argon2" comes the PHC string argon2-cffi writes; Django verifies it
// with argon2-cffi, that is with libargon2, whose decoder this parser
// follows: the variety (argon2id, argon2i or argon2d), an optional "v="
// (absent means version 16, the Argon2 1.0 of old hashes), "m=", "t=" and
// "p=" in that order as decimals without leading zeros, then salt and hash
// in unpadded standard base64 with no stray bits. libargon2 also requires
// a salt of at least 8 bytes, a hash of at least 4, t ≥ 1 and m ≥ 8·p.
// Any version number is accepted: libargon2 mixes it into the hash and
// treats every version but 16 as 19.

const (
	maxArgon2HashLen = 1024
	maxArgon2SaltLen = 1024
)

type argon2Value struct {
	d                         Decoded
	typ, version, m, t, lanes uint32
	salt, hash                []byte
}

func parseArgon2(encoded string) (value, error) {
	bad := func(what string) error { return fmt.Errorf("%w: argon2 %s", ErrMalformed, what) }
	rest, ok := strings.CutPrefix(encoded, "argon2$")
	if !ok {
		return nil, bad("prefix")
	}
	v := &argon2Value{version: argon2ref.Version10}
	variety, rest, _ := strings.Cut(rest, "$")
	switch variety {
	case "argon2d":
		v.typ = argon2ref.TypeD
	case "argon2i":
		v.typ = argon2ref.TypeI
	case "argon2id":
		v.typ = argon2ref.TypeID
	default:
		return nil, bad("variety")
	}
	if after, ok := strings.CutPrefix(rest, "v="); ok {
		var s string
		s, rest, _ = strings.Cut(after, "$")
		n, ok := parseU32(s)
		if !ok {
			return nil, bad("version")
		}
		v.version = n
	}
	params, rest, _ := strings.Cut(rest, "$")
	ms, params, _ := strings.Cut(params, ",")
	ts, ps, _ := strings.Cut(params, ",")
	var ok1, ok2, ok3 bool
	if ms, ok1 = strings.CutPrefix(ms, "m="); ok1 {
		v.m, ok1 = parseU32(ms)
	}
	if ts, ok2 = strings.CutPrefix(ts, "t="); ok2 {
		v.t, ok2 = parseU32(ts)
	}
	if ps, ok3 = strings.CutPrefix(ps, "p="); ok3 {
		v.lanes, ok3 = parseU32(ps)
	}
	if !ok1 || !ok2 || !ok3 {
		return nil, bad("parameters (m=…,t=…,p=…)")
	}
	saltText, hashText, ok := strings.Cut(rest, "$")
	if !ok || strings.Contains(hashText, "$") {
		return nil, bad("salt and hash")
	}
	if len(saltText) > base64.RawStdEncoding.EncodedLen(maxArgon2SaltLen) ||
		len(hashText) > base64.RawStdEncoding.EncodedLen(maxArgon2HashLen) {
		return nil, bad("salt or hash too long")
	}
	var err error
	if v.salt, err = base64.RawStdEncoding.Strict().DecodeString(saltText); err != nil {
		return nil, bad("salt base64")
	}
	if v.hash, err = base64.RawStdEncoding.Strict().DecodeString(hashText); err != nil {
		return nil, bad("hash base64")
	}
	switch {
	case len(v.salt) < 8:
		return nil, bad("salt shorter than 8 bytes")
	case len(v.hash) < 4:
		return nil, bad("hash shorter than 4 bytes")
	case v.t < 1:
		return nil, bad("time cost below 1")
	case v.lanes < 1 || v.lanes > 0xFFFFFF:
		return nil, bad("parallelism")
	case v.m < 8 || uint64(v.m) < 8*uint64(v.lanes):
		return nil, bad("memory cost below 8 KiB per lane")
	}
	// Django decodes the salt as latin-1.
	salt := make([]rune, len(v.salt))
	for i, b := range v.salt {
		salt[i] = rune(b)
	}
	v.d = Decoded{Algorithm: Argon2, Variety: variety, Version: int(v.version),
		MemoryCost: int(v.m), TimeCost: int(v.t), Parallelism: int(v.lanes),
		Salt: string(salt), Hash: hashText}
	return v, nil
}

// parseU32 is libargon2's decode_decimal: digits, no leading zero, at most
// 2^32−1.
func parseU32(s string) (uint32, bool) {
	if len(s) > 10 {
		return 0, false
	}
	n, ok := parseDecimal(s)
	if !ok || n > 1<<32-1 {
		return 0, false
	}
	return uint32(n), true
}

func (v *argon2Value) decoded() Decoded { return v.d }

func argon2Within(t, m, p uint64, l *Limits) error {
	switch {
	case t < 1 || p < 1 || p > 0xFFFFFF || m < 8*p:
		return fmt.Errorf("%w: argon2 needs t ≥ 1, 1 ≤ p < 2^24 and m ≥ 8·p", ErrParameters)
	case t > uint64(l.MaxArgon2TimeCost):
		return fmt.Errorf("%w: argon2 time cost %d (limit %d)", ErrOverLimit, t, l.MaxArgon2TimeCost)
	case p > uint64(l.MaxArgon2Parallelism):
		return fmt.Errorf("%w: argon2 parallelism %d (limit %d)", ErrOverLimit, p, l.MaxArgon2Parallelism)
	case m > uint64(l.MaxArgon2MemoryCost):
		return fmt.Errorf("%w: argon2 memory cost %d KiB (limit %d)", ErrOverLimit, m, l.MaxArgon2MemoryCost)
	}
	return nil
}

func (v *argon2Value) verify(password string) (bool, error) {
	sum := argon2Key(v.typ, v.version, []byte(password), v.salt, v.t, v.m, v.lanes, uint32(len(v.hash)))
	return subtle.ConstantTimeCompare(sum, v.hash) == 1, nil
}

// mustUpdate compares the whole parameter set, as Django compares
// argon2.Parameters: variety, version, hash length and the three costs; and
// the salt's entropy.
func (v *argon2Value) mustUpdate(p *Policy) bool {
	a := p.argon2
	return v.typ != argon2ref.TypeID || v.version != argon2ref.Version13 || len(v.hash) != a.HashLen ||
		int(v.t) != a.TimeCost || int(v.m) != a.MemoryCost || int(v.lanes) != a.Parallelism ||
		mustUpdateSalt(v.d.Salt)
}

// harden does nothing, as in Django ("too complicated").
func (v *argon2Value) harden(*Policy, string) {}

func argon2Encode(password, salt string, a Argon2Params) (string, error) {
	if len(salt) < 8 || len(salt) > maxArgon2SaltLen {
		return "", fmt.Errorf("%w: argon2 needs a salt of 8 to %d bytes", ErrInvalidSalt, maxArgon2SaltLen)
	}
	sum := argon2Key(argon2ref.TypeID, argon2ref.Version13, []byte(password), []byte(salt),
		uint32(a.TimeCost), uint32(a.MemoryCost), uint32(a.Parallelism), uint32(a.HashLen))
	return "argon2$argon2id$v=19$m=" + strconv.Itoa(a.MemoryCost) + ",t=" + strconv.Itoa(a.TimeCost) +
		",p=" + strconv.Itoa(a.Parallelism) + "$" + base64.RawStdEncoding.EncodeToString([]byte(salt)) +
		"$" + base64.RawStdEncoding.EncodeToString(sum), nil
}

// argon2Key computes Argon2 of any variety and version. Version 19 argon2i
// and argon2id with at most 255 lanes (everything Django has written since
// 3.2) go to golang.org/x/crypto/argon2; the rest (argon2d, version 16,
// more lanes), which x/crypto lacks, to internal/argon2ref. Parameters
// must have been checked and bounded: t ≥ 1, 1 ≤ lanes, m ≥ 8·lanes.
func argon2Key(typ, version uint32, password, salt []byte, t, m, lanes, keyLen uint32) []byte {
	if version == argon2ref.Version13 && lanes <= 255 {
		switch typ {
		case argon2ref.TypeID:
			return argon2.IDKey(password, salt, t, m, uint8(lanes), keyLen)
		case argon2ref.TypeI:
			return argon2.Key(password, salt, t, m, uint8(lanes), keyLen)
		}
	}
	return argon2ref.Key(typ, version, password, salt, t, m, lanes, keyLen)
}
