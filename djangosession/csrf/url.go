package csrf

import (
	"errors"
	"net/netip"
	"strings"
)

var errBadURL = errors.New("csrf: invalid URL")

// urlSplit splits a URL as Python's urllib.parse.urlsplit (3.11): leading
// C0 controls and spaces and every tab, CR and LF are dropped, the scheme is
// lowercased, and a netloc with unbalanced brackets or a bracketed host that
// is not an IPv6 address (or IPvFuture) is an error (Python's ValueError).
func urlSplit(u string) (scheme, netloc, path, query, fragment string, err error) {
	u = strings.TrimLeft(u, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	if strings.ContainsAny(u, "\t\r\n") {
		u = strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(u)
	}
	if i := strings.IndexByte(u, ':'); i > 0 && isASCIIAlpha(u[0]) {
		ok := true
		for j := 0; j < i; j++ {
			c := u[j]
			if !(isASCIIAlpha(c) || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
				ok = false
				break
			}
		}
		if ok {
			scheme, u = strings.ToLower(u[:i]), u[i+1:]
		}
	}
	if strings.HasPrefix(u, "//") {
		end := len(u)
		if k := strings.IndexAny(u[2:], "/?#"); k >= 0 {
			end = k + 2
		}
		netloc, u = u[2:end], u[end:]
		open, closed := strings.Contains(netloc, "["), strings.Contains(netloc, "]")
		if open != closed {
			return "", "", "", "", "", errBadURL
		}
		if open && !validBracketedNetloc(netloc) {
			return "", "", "", "", "", errBadURL
		}
	}
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u, fragment = u[:i], u[i+1:]
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u, query = u[:i], u[i+1:]
	}
	return scheme, netloc, u, query, fragment, nil
}

func isASCIIAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// validBracketedNetloc is Python's _check_bracketed_netloc.
func validBracketedNetloc(netloc string) bool {
	hostPort := netloc[strings.LastIndexByte(netloc, '@')+1:]
	var host string
	if before, bracketed, ok := strings.Cut(hostPort, "["); ok {
		if before != "" {
			return false
		}
		var port string
		host, port, _ = strings.Cut(bracketed, "]")
		if port != "" && port[0] != ':' {
			return false
		}
	} else {
		host, _, _ = strings.Cut(hostPort, ":")
	}
	if strings.HasPrefix(host, "v") {
		// IPvFuture: \Av[a-fA-F0-9]+\..+\Z
		hexPart, rest, ok := strings.Cut(host[1:], ".")
		if !ok || hexPart == "" || rest == "" {
			return false
		}
		for _, c := range hexPart {
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Is6()
}

// urlUnsplit is Python's urlunsplit, as geturl() writes a split URL.
func urlUnsplit(scheme, netloc, path, query, fragment string) string {
	u := path
	if netloc != "" {
		if u != "" && u[0] != '/' {
			u = "/" + u
		}
		u = "//" + netloc + u
	}
	if scheme != "" {
		u = scheme + ":" + u
	}
	if query != "" {
		u += "?" + query
	}
	if fragment != "" {
		u += "#" + fragment
	}
	return u
}
