package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// escapeText makes s safe to print on a terminal: C0 and C1 control
// characters, DEL, the Unicode bidirectional controls and line separators,
// and invalid UTF-8 are written as Go escapes (\x1b, \r, \u202e, \xff),
// and a backslash as \\ so that the result reads back unambiguously. Every
// human-facing output (table, CSV cells, stats text, error lines) passes
// through it; JSON output is escaped by JSON itself.
func escapeText(s string) string {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unsafeRune(r, n) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case unsafeRune(r, n):
			q := strconv.QuoteRuneToASCII(r) // '\x1b', '\r', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// unsafeRune reports whether a terminal could act on r (or r is a
// backslash or an invalid byte, which escapeText rewrites too).
func unsafeRune(r rune, n int) bool {
	switch {
	case r == utf8.RuneError && n == 1, r == '\\':
		return true
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f: // C0, DEL, C1
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, // embeddings, overrides, isolates
		r == 0x200e, r == 0x200f, r == 0x061c, // directional marks
		r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	}
	return false
}
