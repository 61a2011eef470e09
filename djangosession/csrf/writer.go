package csrf

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/djsession/djsession/djangosession/middleware"
)

// responseWriter sets the CSRF cookie (or session value) just before the
// status line goes out, as process_response; it never buffers the body.
type responseWriter struct {
	http.ResponseWriter
	st        *state
	committed bool
}

// Unwrap returns the underlying ResponseWriter.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *responseWriter) commit() {
	if w.committed {
		return
	}
	w.committed = true
	st := w.st
	if !st.needsUpdate {
		return
	}
	st.needsUpdate = false
	p := st.p
	if p.cfg.UseSessions {
		if s, err := middleware.Session(st.r); err == nil {
			if v, _ := s.Get(SessionKey); v != st.cookieValue {
				_ = s.Set(SessionKey, st.cookieValue) // an ASCII token: never refused
			}
		}
		return
	}
	age := int64(p.cfg.CookieAge / time.Second)
	middleware.SetCookie(w.Header(), middleware.Cookie{
		Name: p.name, Value: st.cookieValue, MaxAge: age, HasMaxAge: true,
		Expires: middleware.HTTPDate(p.now().Add(time.Duration(age) * time.Second)),
		Domain:  p.cfg.CookieDomain, Path: p.path, Secure: p.cfg.CookieSecure,
		HTTPOnly: p.cfg.CookieHTTPOnly, SameSite: p.sameSite,
	})
	middleware.PatchVary(w.Header(), "Cookie")
}

// finish commits a response the handler left unwritten.
func (w *responseWriter) finish() {
	if !w.committed {
		w.commit()
	}
}

// WriteHeader commits, then writes the status line.
func (w *responseWriter) WriteHeader(code int) {
	if code < 200 && code >= 100 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.commit()
	w.ResponseWriter.WriteHeader(code)
}

// Write commits, then writes b.
func (w *responseWriter) Write(b []byte) (int, error) {
	w.commit()
	return w.ResponseWriter.Write(b)
}

// ReadFrom commits, then copies from r.
func (w *responseWriter) ReadFrom(r io.Reader) (int64, error) {
	w.commit()
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{w.ResponseWriter}, r)
}

// Flush commits, then flushes.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// FlushError commits, then flushes the underlying writer.
func (w *responseWriter) FlushError() error {
	w.commit()
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands the connection over.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.committed = true
	return http.NewResponseController(w.ResponseWriter).Hijack()
}
