// Package commitwriter is the response writer of the session and CSRF
// middleware: it runs a hook once, just before the status line goes out,
// so the hook can still set headers (Set-Cookie, Vary) and save state, as
// Django's process_response does. It never buffers the body; Unwrap lets
// http.ResponseController reach the underlying writer, and Flush,
// FlushError, Hijack and ReadFrom pass through after the commit.
package commitwriter

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// Committer is the hook a Writer runs.
type Committer interface {
	// Commit is called once, with the response's status, before the status
	// line is written. It may change w's headers. When it returns an
	// error it has written a response of its own on w's underlying
	// writer: the status line is not written and later writes return the
	// error.
	Commit(w *Writer, status int) error
}

// Writer wraps a ResponseWriter and runs Committer before the first status
// line that is not informational: at the first WriteHeader, Write,
// ReadFrom or Flush, or at Finish. A hijacked connection is never
// committed.
type Writer struct {
	http.ResponseWriter
	Committer Committer

	committed bool
	hijacked  bool
	err       error // Commit failed: its response was written
}

// Unwrap returns the underlying ResponseWriter.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Committed reports whether the hook has run.
func (w *Writer) Committed() bool { return w.committed }

// WriteHeader commits, then writes the status line. Informational statuses
// (103 Early Hints) pass through before the real one.
func (w *Writer) WriteHeader(code int) {
	if w.committed || w.hijacked {
		if w.err == nil {
			w.ResponseWriter.WriteHeader(code)
		}
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.committed = true
	if w.err = w.Committer.Commit(w, code); w.err != nil {
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

// commit commits with status 200 if nothing did yet and returns the
// commit's error.
func (w *Writer) commit() error {
	if !w.committed {
		w.WriteHeader(http.StatusOK)
	}
	return w.err
}

// Finish commits with status 200 a response the handler left unwritten;
// the middleware calls it when the handler returns.
func (w *Writer) Finish() {
	if !w.hijacked {
		_ = w.commit()
	}
}

// Write commits with status 200 if needed, then writes b. After a failed
// commit it writes nothing and returns the commit's error.
func (w *Writer) Write(b []byte) (int, error) {
	if err := w.commit(); err != nil {
		return 0, err
	}
	return w.ResponseWriter.Write(b)
}

// ReadFrom commits, then copies from r, using the underlying writer's
// ReadFrom (sendfile) when it has one.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	if err := w.commit(); err != nil {
		return 0, err
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{w.ResponseWriter}, r)
}

// Flush commits, then flushes the underlying writer if it can.
func (w *Writer) Flush() { _ = w.FlushError() }

// FlushError commits, then flushes the underlying writer, returning
// http.ErrNotSupported when it cannot flush.
func (w *Writer) FlushError() error {
	if err := w.commit(); err != nil {
		return err
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands the connection over without committing.
func (w *Writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return c, rw, err
}
