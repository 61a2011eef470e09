// Package randstring is Django's get_random_string, which session keys,
// CSRF secrets, password salts and unusable-password suffixes are made
// with.
package randstring

import (
	"io"
	"strings"
)

// Get returns n characters of alphabet (at most 256 of them) chosen
// uniformly, as Django's get_random_string(n, alphabet) does with
// secrets.choice. Bytes are read from r 64 at a time; a byte at or above
// the largest multiple of len(alphabet) is skipped, so there is no modulo
// bias. An error from r is returned as it is.
func Get(r io.Reader, n int, alphabet string) (string, error) {
	limit := 256 - 256%len(alphabet)
	var out strings.Builder
	out.Grow(n)
	var buf [64]byte
	for out.Len() < n {
		if _, err := io.ReadFull(r, buf[:]); err != nil {
			return "", err
		}
		for _, b := range buf {
			if int(b) < limit {
				out.WriteByte(alphabet[int(b)%len(alphabet)])
				if out.Len() == n {
					break
				}
			}
		}
	}
	return out.String(), nil
}
