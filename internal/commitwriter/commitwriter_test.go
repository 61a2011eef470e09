package commitwriter_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djsession/djsession/internal/commitwriter"
)

// hook records the statuses it is committed with and sets a header.
type hook struct {
	statuses []int
	err      error
}

func (h *hook) Commit(w *commitwriter.Writer, status int) error {
	h.statuses = append(h.statuses, status)
	w.Header().Set("X-Committed", "yes")
	if h.err != nil {
		w.ResponseWriter.WriteHeader(http.StatusServiceUnavailable)
	}
	return h.err
}

func TestCommitOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		handle func(w http.ResponseWriter)
		status int // what the hook sees and the client gets
		body   string
	}{
		{"nothing", func(http.ResponseWriter) {}, 200, ""},
		{"write", func(w http.ResponseWriter) { io.WriteString(w, "a"); io.WriteString(w, "b") }, 200, "ab"},
		{"header", func(w http.ResponseWriter) { w.WriteHeader(404); w.WriteHeader(500) }, 404, ""},
		{"early hints", func(w http.ResponseWriter) { w.WriteHeader(103); w.WriteHeader(201) }, 201, ""},
		{"flush", func(w http.ResponseWriter) {
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Error(err)
			}
		}, 200, ""},
		{"read from", func(w http.ResponseWriter) { w.(io.ReaderFrom).ReadFrom(strings.NewReader("xyz")) }, 200, "xyz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &hook{}
			rec := httptest.NewRecorder()
			w := &commitwriter.Writer{ResponseWriter: rec, Committer: h}
			tc.handle(w)
			w.Finish()
			if len(h.statuses) != 1 || h.statuses[0] != tc.status {
				t.Fatalf("committed with %v, want [%d]", h.statuses, tc.status)
			}
			code := tc.status
			if tc.name == "early hints" {
				code = 103 // the recorder keeps the first status it sees
			}
			if rec.Code != code || rec.Body.String() != tc.body || rec.Header().Get("X-Committed") != "yes" {
				t.Fatalf("response %d %q %v", rec.Code, rec.Body, rec.Header())
			}
		})
	}
}

func TestCommitError(t *testing.T) {
	bad := errors.New("store down")
	h := &hook{err: bad}
	rec := httptest.NewRecorder()
	w := &commitwriter.Writer{ResponseWriter: rec, Committer: h}
	if n, err := io.WriteString(w, "secret"); n != 0 || !errors.Is(err, bad) {
		t.Fatalf("Write after a failed commit = %d, %v", n, err)
	}
	w.WriteHeader(200)
	if err := http.NewResponseController(w).Flush(); !errors.Is(err, bad) {
		t.Fatalf("Flush after a failed commit = %v", err)
	}
	w.Finish()
	if rec.Code != http.StatusServiceUnavailable || rec.Body.Len() != 0 || len(h.statuses) != 1 {
		t.Fatalf("response %d %q, commits %v", rec.Code, rec.Body, h.statuses)
	}
}

func TestHijackSkipsCommit(t *testing.T) {
	h := &hook{}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w := &commitwriter.Writer{ResponseWriter: rw, Committer: h}
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		io.WriteString(c, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
		c.Close()
		w.Finish()
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || len(h.statuses) != 0 || resp.Header.Get("X-Committed") != "" {
		t.Fatalf("status %d, commits %v", resp.StatusCode, h.statuses)
	}
}
