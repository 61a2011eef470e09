package filestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
)

var _ djangosession.Lister = (*Store)(nil)

// maxListedFile bounds what List reads of one session file.
const maxListedFile = 16 << 20

// List returns the session files of the directory in key order: entries
// named SESSION_COOKIE_NAME + a key of [a-z0-9] (temporary files and
// foreign files are skipped). Each record's Expire is when Django's file
// engine considers the session expired: _session_expiry when it is an
// ISO date, never for a truthy number (Django takes it as an age) or an
// empty placeholder file, the long past for a negative number, else the
// file's mtime + SESSION_COOKIE_AGE. Expired files are listed, not
// removed.
func (s *Store) List(ctx context.Context, o *djangosession.ListOptions) iter.Seq2[djangosession.Record, error] {
	return func(yield func(djangosession.Record, error) bool) {
		if o == nil {
			o = &djangosession.ListOptions{}
		}
		entries, err := os.ReadDir(s.dir) // sorted by name, so by key
		if err != nil {
			yield(djangosession.Record{}, fmt.Errorf("filestore: list: %w", errors.Unwrap(err)))
			return
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				yield(djangosession.Record{}, err)
				return
			}
			key, ok := strings.CutPrefix(e.Name(), s.prefix)
			if !ok || !e.Type().IsRegular() || !djangosession.ValidKeyChars(key) || key <= o.After || !strings.HasPrefix(key, o.Prefix) {
				continue
			}
			r, err := s.record(key)
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed meanwhile
			}
			if !yield(r, err) || err != nil {
				return
			}
		}
	}
}

func (s *Store) record(key string) (djangosession.Record, error) {
	f, err := os.Open(filepath.Join(s.dir, s.prefix+key))
	if err != nil {
		return djangosession.Record{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return djangosession.Record{}, fmt.Errorf("filestore: list: %w", errors.Unwrap(err))
	}
	b, err := io.ReadAll(io.LimitReader(f, maxListedFile))
	if err != nil {
		return djangosession.Record{}, fmt.Errorf("filestore: list: %w", errors.Unwrap(err))
	}
	r := djangosession.Record{Key: key, Data: b, Expire: djangosession.NoExpiry}
	if len(b) > 0 {
		d, _ := s.codec.Decode(string(b)) // undecodable: judged by its mtime
		r.Expire = s.expiryTime(d, st.ModTime())
	}
	return r, nil
}

// expiryTime is when Django's file engine expires a session holding data
// (nil when it does not decode) in a file last written at mtime.
func (s *Store) expiryTime(data *pyjson.Object, mtime time.Time) time.Time {
	t, ok := s.expiryValue(data)
	switch {
	case !ok:
		return mtime.Add(s.cookieAge).UTC()
	case t.Equal(djangosession.NoExpiry), t.IsZero():
		return t
	case s.naive: // a wall-clock reading in Location
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), s.loc)
	}
	return t.UTC()
}

// DecodeRecord decodes a listed file as Load does: an empty file is an
// empty session.
func (s *Store) DecodeRecord(r djangosession.Record) (*pyjson.Object, error) {
	if len(r.Data) == 0 {
		return &pyjson.Object{}, nil
	}
	d, err := s.codec.Decode(string(r.Data))
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	return d, nil
}
