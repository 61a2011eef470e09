package middleware

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// responseWriter commits the session just before the status line goes out.
// It never buffers the body; Unwrap lets http.ResponseController reach the
// underlying writer, and Flush, FlushError, Hijack and ReadFrom pass
// through after the commit.
type responseWriter struct {
	http.ResponseWriter
	state     state
	st        *state         // &state
	ctx       sessionContext // the request's context: parent + st
	outer     http.Header    // headers present before the middleware ran
	r         *http.Request
	committed bool
	hijacked  bool
	err       error // the commit failed: the error response was written
}

// Unwrap returns the underlying ResponseWriter.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// WriteHeader commits the session, then writes the status line. A commit
// that fails replaces the response with the error handler's.
func (w *responseWriter) WriteHeader(code int) {
	if w.committed || w.hijacked {
		if w.err == nil {
			w.ResponseWriter.WriteHeader(code)
		}
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		// Informational responses (103 Early Hints) come before the real one.
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.committed = true
	if err := w.st.commit(w.r.Context(), w.Header(), code); err != nil {
		w.err = err
		// Django replaces the response: drop what the handler set.
		h := w.Header()
		for k := range h {
			delete(h, k)
		}
		for k, v := range w.outer {
			h[k] = v
		}
		w.st.m.errh(w.ResponseWriter, w.r, err)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write commits the session with status 200 if needed, then writes b. After
// a failed commit it writes nothing and returns the commit's error.
func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.committed {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return 0, w.err
	}
	return w.ResponseWriter.Write(b)
}

// ReadFrom commits, then copies from r, using the underlying writer's
// ReadFrom (sendfile) when it has one.
func (w *responseWriter) ReadFrom(r io.Reader) (int64, error) {
	if !w.committed {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return 0, w.err
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, r)
}

type writerOnly struct{ io.Writer }

// Flush commits, then flushes the underlying writer if it can.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// FlushError commits, then flushes the underlying writer, returning
// http.ErrNotSupported when it cannot flush.
func (w *responseWriter) FlushError() error {
	if !w.committed {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return w.err
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands the connection over without committing the session.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return c, rw, err
}
