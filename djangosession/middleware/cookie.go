package middleware

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SameSite is the value of a cookie's SameSite attribute, spelled as it
// will be written. The zero value means Django's default, "Lax".
type SameSite string

// SameSite values Django accepts (case-insensitively; the given spelling is
// written).
const (
	SameSiteLax    SameSite = "Lax"
	SameSiteStrict SameSite = "Strict"
	SameSiteNone   SameSite = "None"
	// SameSiteOmit leaves the attribute out, as a setting of False does.
	SameSiteOmit SameSite = "-"
)

// attr returns the attribute value to write ("" to omit).
func (s SameSite) attr() string {
	switch s {
	case "":
		return string(SameSiteLax)
	case SameSiteOmit:
		return ""
	}
	return string(s)
}

func (s SameSite) valid() bool {
	switch strings.ToLower(s.attr()) {
	case "", "lax", "strict", "none":
		return true
	}
	return false
}

// HTTPDate formats t as Django's http_date: RFC 1123 in GMT, truncated to
// whole seconds.
func HTTPDate(t time.Time) string {
	return t.UTC().Format(httpDateLayout)
}

// DeletedExpires is the expires attribute Django's delete_cookie writes.
const DeletedExpires = "Thu, 01 Jan 1970 00:00:00 GMT"

// Cookie is one Set-Cookie header value as Django's HttpResponse.set_cookie
// and Python's SimpleCookie write it.
type Cookie struct {
	Name  string
	Value string
	// MaxAge is written as Max-Age when HasMaxAge (Django's max_age is not
	// None); it may be 0 or negative.
	MaxAge    int64
	HasMaxAge bool
	// Expires is written verbatim when not empty.
	Expires  string
	Domain   string
	Path     string
	Secure   bool
	HTTPOnly bool
	// SameSite is written verbatim when not empty.
	SameSite string
}

// String returns the header value: name=value, then the attributes in
// SimpleCookie's order (sorted by their lowercase names: Domain, expires,
// HttpOnly, Max-Age, Path, SameSite, Secure), empty ones left out, and the
// value quoted as Python's http.cookies quotes it.
func (c Cookie) String() string { return c.format(time.Time{}) }

// httpDateLayout is Django's http_date once the time is in UTC.
const httpDateLayout = "Mon, 02 Jan 2006 15:04:05 GMT"

// format is String, with expires written from expiresAt (in HTTPDate's
// form) when c.Expires is empty and expiresAt is not zero. It builds the
// value in one allocation.
func (c *Cookie) format(expiresAt time.Time) string {
	var b strings.Builder
	b.Grow(len(c.Name) + len(c.Value) + len(c.Domain) + len(c.Path) + len(c.SameSite) + 112)
	b.WriteString(c.Name)
	b.WriteByte('=')
	if ValidCookieName(c.Value) {
		b.WriteString(c.Value)
	} else {
		b.WriteString(QuoteCookieValue(c.Value))
	}
	attr := func(name, value string) {
		if value != "" {
			b.WriteString("; ")
			b.WriteString(name)
			b.WriteByte('=')
			b.WriteString(value)
		}
	}
	var scratch [32]byte
	attr("Domain", c.Domain)
	if c.Expires != "" {
		attr("expires", c.Expires)
	} else if !expiresAt.IsZero() {
		b.WriteString("; expires=")
		b.Write(expiresAt.UTC().AppendFormat(scratch[:0], httpDateLayout))
	}
	if c.HTTPOnly {
		b.WriteString("; HttpOnly")
	}
	if c.HasMaxAge {
		b.WriteString("; Max-Age=")
		b.Write(strconv.AppendInt(scratch[:0], c.MaxAge, 10))
	}
	attr("Path", c.Path)
	attr("SameSite", c.SameSite)
	if c.Secure {
		b.WriteString("; Secure")
	}
	return b.String()
}

// legalCookieChar reports whether Python's http.cookies writes c unquoted.
func legalCookieChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~', ':':
		return true
	}
	return false
}

// ValidCookieName reports whether Python's SimpleCookie accepts name.
func ValidCookieName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !legalCookieChar(name[i]) {
			return false
		}
	}
	return true
}

// QuoteCookieValue quotes v as Python's http.cookies._quote: values made
// only of legal characters are written as they are; anything else (the
// empty string included) is wrapped in double quotes with '"' and '\'
// backslash-escaped and other characters below U+0100 outside the legal set
// and " ()/<=>?@[]{}" written as three octal digits.
func QuoteCookieValue(v string) string {
	if ValidCookieName(v) {
		return v
	}
	var b strings.Builder
	b.Grow(len(v) + 8)
	b.WriteByte('"')
	for _, r := range v {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x80 && (legalCookieChar(byte(r)) || strings.IndexByte(" ()/<=>?@[]{}", byte(r)) >= 0):
			b.WriteRune(r)
		case r < 0x100:
			b.WriteByte('\\')
			b.WriteByte(byte('0' + r>>6))
			b.WriteByte(byte('0' + r>>3&7))
			b.WriteByte(byte('0' + r&7))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// CookieValue returns the value of the cookie called name in the request's
// Cookie headers, read as Django's parse_cookie reads them: split on ';',
// each chunk split at its first '=', whitespace trimmed, Python's cookie
// unquoting applied, and the last of several same-named cookies winning.
func CookieValue(h http.Header, name string) (string, bool) {
	var val string
	found := false
	for _, line := range h["Cookie"] {
		for chunk := range strings.SplitSeq(line, ";") {
			k, v, ok := strings.Cut(chunk, "=")
			if !ok {
				k, v = "", chunk
			}
			k, v = pyStrip(k), pyStrip(v)
			if k == name && (k != "" || v != "") {
				val, found = unquoteCookie(v), true
			}
		}
	}
	return val, found
}

// pyStrip trims what Python's str.strip() trims from ASCII and Latin-1 text.
func pyStrip(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		switch r {
		case ' ', '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0:
			return true
		}
		return false
	})
}

// unquoteCookie is Python's http.cookies._unquote.
func unquoteCookie(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			i++
			continue
		}
		if i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) && s[i+1] <= '3' {
			n := rune(s[i+1]-'0')<<6 | rune(s[i+2]-'0')<<3 | rune(s[i+3]-'0')
			if n < utf8.RuneSelf {
				b.WriteByte(byte(n))
			} else {
				b.WriteRune(n)
			}
			i += 4
			continue
		}
		b.WriteByte(s[i+1])
		i += 2
	}
	return b.String()
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

// PatchVary adds names to the Vary header as Django's patch_vary_headers
// does: names already present (case-insensitively) are not repeated, the
// entries are joined with ", " into one header, and a "*" anywhere makes
// the header just "*".
func PatchVary(h http.Header, names ...string) {
	if len(names) == 1 && len(h["Vary"]) == 0 {
		// The common case: one name and no Vary yet.
		h["Vary"] = []string{names[0]}
		return
	}
	var vary []string
	for _, line := range h.Values("Vary") {
		for v := range strings.SplitSeq(line, ",") {
			vary = append(vary, strings.TrimSpace(v))
		}
	}
	for _, n := range names {
		present := false
		for _, v := range vary {
			if strings.EqualFold(v, n) {
				present = true
				break
			}
		}
		if !present {
			vary = append(vary, n)
		}
	}
	for _, v := range vary {
		if v == "*" {
			h.Set("Vary", "*")
			return
		}
	}
	h.Set("Vary", strings.Join(vary, ", "))
}

// SetCookie adds c to the response headers, replacing any Set-Cookie for
// the same name, as Django's response.cookies (a dict by name) does.
func SetCookie(h http.Header, c Cookie) { setCookie(h, &c, time.Time{}) }

// setCookie is SetCookie with Cookie.format's expiresAt.
func setCookie(h http.Header, c *Cookie, expiresAt time.Time) {
	lines := h["Set-Cookie"]
	if len(lines) == 0 {
		h["Set-Cookie"] = []string{c.format(expiresAt)}
		return
	}
	kept := lines[:0:0]
	for _, l := range lines {
		name, _, _ := strings.Cut(l, "=")
		if strings.TrimSpace(name) != c.Name {
			kept = append(kept, l)
		}
	}
	h["Set-Cookie"] = append(kept, c.format(expiresAt))
}
