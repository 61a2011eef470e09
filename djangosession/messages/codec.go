package messages

import (
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/python/pyjson"
	"github.com/djsession/djsession/signing"
)

const (
	// CookieName is the messages cookie's name (CookieStorage.cookie_name,
	// not a setting).
	CookieName = "messages"
	// SessionKey is the session key SessionStorage keeps messages under.
	SessionKey = "_messages"
	// KeySalt is CookieStorage.key_salt, the cookie signer's salt.
	KeySalt = "django.contrib.messages"
	// MaxCookieSize is CookieStorage.max_cookie_size: the longest cookie
	// value stored, measured as SimpleCookie writes it.
	MaxCookieSize = 2048
	// NotFinished is the sentinel that ends a cookie's list when messages
	// that did not fit went to the next storage (or were dropped).
	NotFinished = "__messagesnotfinished__"

	messageKey = "__json_message"
	// cookieKeyPrefix is what get_cookie_signer puts before SECRET_KEY.
	cookieKeyPrefix = "django.http.cookies"
)

// ErrMalformed is returned for stored messages whose signature is valid (or
// that come from the session) but whose content is not a list of messages
// in any form Django writes.
var ErrMalformed = errors.New("messages: malformed stored messages")

// appendMessage appends m as Django's MessageEncoder writes it, with sep
// between the elements ("," for the cookie, ", " for the session).
func appendMessage(dst []byte, m Message, sep string, rel django.Release) ([]byte, error) {
	dst = append(dst, `["`+messageKey+`"`...)
	dst = append(dst, sep...)
	if m.Safe {
		dst = append(dst, '1')
	} else {
		dst = append(dst, '0')
	}
	dst = append(dst, sep...)
	dst = strconv.AppendInt(dst, int64(m.Level), 10)
	dst = append(dst, sep...)
	var err error
	if dst, err = pyjson.Append(dst, m.Message); err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	// Before 4.1 extra_tags were written when truthy; from 4.1 whenever
	// they are not None (Django ticket #33458).
	writeTags := m.ExtraTags != ""
	if !rel.Before(django.Django41) {
		writeTags = writeTags || !m.noTags
	}
	if writeTags {
		dst = append(dst, sep...)
		if dst, err = pyjson.Append(dst, m.ExtraTags); err != nil {
			return nil, fmt.Errorf("messages: %w", err)
		}
	}
	return append(dst, ']'), nil
}

// encodeList writes msgs (and the sentinel when notFinished) as one JSON
// list, elements separated by sep.
func encodeList(msgs []Message, notFinished bool, sep string, rel django.Release) ([]byte, error) {
	b := []byte{'['}
	var err error
	for i, m := range msgs {
		if i > 0 {
			b = append(b, sep...)
		}
		if b, err = appendMessage(b, m, sep, rel); err != nil {
			return nil, err
		}
	}
	if notFinished {
		if len(msgs) > 0 {
			b = append(b, sep...)
		}
		b = append(b, `"`+NotFinished+`"`...)
	}
	return append(b, ']'), nil
}

// decodeList reads JSON written by MessageEncoder: a list of messages,
// possibly ending with the NotFinished sentinel, as MessageDecoder and
// CookieStorage._get read it. allRetrieved is false when the sentinel was
// there.
func decodeList(data []byte, tags map[Level]string) (msgs []Message, allRetrieved bool, err error) {
	v, err := pyjson.Unmarshal(data)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return decodeValue(v, tags)
}

// decodeValue is decodeList on parsed JSON.
func decodeValue(v any, tags map[Level]string) (msgs []Message, allRetrieved bool, err error) {
	list, ok := v.([]any)
	if !ok {
		return nil, false, fmt.Errorf("%w: not a list", ErrMalformed)
	}
	allRetrieved = true
	if n := len(list); n > 0 {
		if s, ok := list[n-1].(string); ok && s == NotFinished {
			list, allRetrieved = list[:n-1], false
		}
	}
	msgs = make([]Message, 0, len(list))
	for _, e := range list {
		m, err := decodeMessage(e)
		if err != nil {
			return nil, false, err
		}
		m.tags = tags
		msgs = append(msgs, m)
	}
	return msgs, allRetrieved, nil
}

// decodeMessage reads one ["__json_message", is_safe, level, message(,
// extra_tags)]. Django would build a Message from other element types too
// (and fail later, when it shows it); only the types its encoder writes are
// accepted here.
func decodeMessage(e any) (Message, error) {
	a, ok := e.([]any)
	if !ok || len(a) < 4 || len(a) > 5 {
		return Message{}, fmt.Errorf("%w: not a message", ErrMalformed)
	}
	if k, ok := a[0].(string); !ok || k != messageKey {
		return Message{}, fmt.Errorf("%w: not a message", ErrMalformed)
	}
	var m Message
	switch s := a[1].(type) {
	case int64:
		m.Safe = s != 0
	case bool:
		m.Safe = s
	default:
		return Message{}, fmt.Errorf("%w: bad safe flag", ErrMalformed)
	}
	lvl, ok := a[2].(int64)
	if !ok || lvl != int64(Level(lvl)) {
		return Message{}, fmt.Errorf("%w: bad level", ErrMalformed)
	}
	m.Level = Level(lvl)
	if m.Message, ok = a[3].(string); !ok {
		return Message{}, fmt.Errorf("%w: message is not a string", ErrMalformed)
	}
	m.noTags = true
	if len(a) == 5 && a[4] != nil {
		if m.ExtraTags, ok = a[4].(string); !ok {
			return Message{}, fmt.Errorf("%w: extra tags are not a string", ErrMalformed)
		}
		m.noTags = false
	}
	return m, nil
}

// rawSerializer hands sign_object the JSON already made, and gives back
// the verified bytes undecoded.
type rawSerializer struct{}

func (rawSerializer) Marshal(v any) ([]byte, error) {
	b, ok := v.([]byte)
	if !ok {
		return nil, fmt.Errorf("messages: cannot serialize %T", v)
	}
	return b, nil
}

func (rawSerializer) Unmarshal(data []byte) (any, error) { return data, nil }

// codec signs and reads the messages cookie and the session value.
type codec struct {
	rel    django.Release
	signer *signing.TimestampSigner
	secret string // for the pre-3.1 hash, read by 3.2 only
	tags   map[Level]string
}

// encodeCookie returns the signed cookie value for msgs, ending with the
// sentinel when notFinished.
func (c *codec) encodeCookie(msgs []Message, notFinished bool) (string, error) {
	b, err := encodeList(msgs, notFinished, ",", c.rel)
	if err != nil {
		return "", err
	}
	return c.signer.SignObject(b, true)
}

// decodeCookie reads a messages cookie. Any error means Django's _decode
// returns None: the value is not used and, with CookieStorage, the cookie
// is deleted.
func (c *codec) decodeCookie(value string) ([]Message, bool, error) {
	v, err := c.signer.UnsignObject(value)
	if err == nil {
		parsed, perr := pyjson.Unmarshal(v.([]byte))
		if perr == nil {
			return decodeValue(parsed, c.tags)
		}
		err = fmt.Errorf("%w: %w", ErrMalformed, perr)
	}
	if !c.rel.Before(django.Django40) {
		return nil, false, err
	}
	// Django 3.2 also reads what 3.0 (a SHA-1 hex hash, "$", the JSON)
	// and 3.1 (the JSON signed as text) wrote.
	var text string
	if errors.Is(err, signing.ErrBadSignature) {
		h, val, ok := strings.Cut(value, "$")
		if !ok || !c.legacyHashOK(h, val) {
			return nil, false, err
		}
		text = val
	} else if text, err = c.signer.Unsign(value); err != nil {
		return nil, false, err
	}
	return decodeList([]byte(text), c.tags)
}

func (c *codec) legacyHashOK(h, value string) bool {
	mac, err := signing.SaltedHMAC(signing.SHA1, KeySalt, c.secret, []byte(value))
	if err != nil {
		return false
	}
	want := make([]byte, hex.EncodedLen(len(mac)))
	hex.Encode(want, mac)
	return subtle.ConstantTimeCompare([]byte(h), want) == 1
}

// encodeSession returns the "_messages" session value: MessageEncoder's
// JSON with Python's default separators.
func (c *codec) encodeSession(msgs []Message) (string, error) {
	b, err := encodeList(msgs, false, ", ", c.rel)
	return string(b), err
}
