package hashers

import (
	"encoding/hex"
	"sync"

	"github.com/djsession/djsession/signing"
)

// sessionAuthKeySalt is the key salt of AbstractBaseUser.get_session_auth_hash.
const sessionAuthKeySalt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"

// SessionAuthHash returns what Django's get_session_auth_hash() returns for
// a user whose password field holds encoded, under secretKey (SECRET_KEY):
// the value login() stores in the session as "_auth_user_hash". It is the
// hex salted_hmac of encoded with the key salt
// "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
// SHA-256 (or SHA-1 under a 3.2 policy whose DefaultHashingAlgorithm is
// "sha1"). encoded is the stored string, usable or not.
func (p *Policy) SessionAuthHash(secretKey, encoded string) string {
	return p.sessionAuthHash(p.authAlg, secretKey, encoded)
}

func (p *Policy) sessionAuthHash(alg signing.Algorithm, secretKey, encoded string) string {
	k := p.authKeys.key(alg, secretKey)
	if k == nil {
		// Unreachable: the policy only holds sha1 or sha256.
		return ""
	}
	var buf [64]byte
	return hex.EncodeToString(k.Sum(buf[:0], []byte(encoded)))
}

// maxAuthKeys bounds authKeyCache: a process has a SECRET_KEY and a few
// fallbacks; beyond that keys are derived on each call and not kept.
const maxAuthKeys = 16

// authKeyCache keeps the salted HMAC key of each (algorithm, secret) a
// Policy hashes session auth hashes with, so that a check on every request
// (the gateway, the middleware) does not derive it again: deriving is a
// hash of the key salt and the secret plus the HMAC pads.
type authKeyCache struct {
	mu sync.Mutex
	m  map[authKeyID]*signing.SaltedKey
}

type authKeyID struct {
	alg    signing.Algorithm
	secret string
}

func (c *authKeyCache) key(alg signing.Algorithm, secret string) *signing.SaltedKey {
	id := authKeyID{alg, secret}
	c.mu.Lock()
	k := c.m[id]
	c.mu.Unlock()
	if k != nil {
		return k
	}
	k, err := signing.NewSaltedKey(alg, sessionAuthKeySalt, secret)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[authKeyID]*signing.SaltedKey{}
	}
	if len(c.m) < maxAuthKeys {
		c.m[id] = k
	}
	c.mu.Unlock()
	return k
}

// VerifySessionAuthHash judges the "_auth_user_hash" a session holds for the
// user whose password field holds encoded, as the policy release's
// django.contrib.auth.get_user does. valid means the user stays logged in.
// rotate means the hash matched only a key of fallbackKeys
// (SECRET_KEY_FALLBACKS, honoured from Django 4.1.8): Django then cycles the
// session key and stores SessionAuthHash(secretKey, encoded) in the
// session, and so should the caller. Under a 3.2 policy fallback keys do not
// exist, and the pre-3.1 SHA-1 hash is also valid (without rotation). An
// empty session hash is never valid. Comparisons run in constant time.
func (p *Policy) VerifySessionAuthHash(sessionHash, encoded, secretKey string, fallbackKeys []string) (valid, rotate bool) {
	if sessionHash == "" {
		return false, false
	}
	if equal(sessionHash, p.SessionAuthHash(secretKey, encoded)) {
		return true, false
	}
	if p.rel.legacyAuth {
		return equal(sessionHash, p.sessionAuthHash(signing.SHA1, secretKey, encoded)), false
	}
	if !p.rel.fallbacks {
		return false, false
	}
	matched := false
	for _, k := range fallbackKeys {
		if equal(sessionHash, p.sessionAuthHash(signing.SHA256, k, encoded)) {
			matched = true
		}
	}
	return matched, matched
}
