package dbstore

import (
	"strings"
	"unicode/utf8"

	"github.com/djsession/djsession/djangosession"
)

// storableKey reports whether key names a session a session table can
// hold: one Django accepts (djangosession.ValidKey), of at most
// MaxKeyLength characters (the varchar(40) column), valid UTF-8 without
// NUL. Any other key is no session: Load gives ErrNotFound, Exists false,
// Delete nil, and Save an error matching djangosession.ErrInvalidKey.
//
// Django looks longer keys up and finds nothing, as here; for invalid
// UTF-8 and NUL, which PostgreSQL and MySQL refuse in a text parameter,
// Django's query raises (a 500), where this store says no session.
func storableKey(key string) bool {
	return djangosession.ValidKey(key) && utf8.RuneCountInString(key) <= MaxKeyLength &&
		utf8.ValidString(key) && !strings.ContainsRune(key, 0)
}
