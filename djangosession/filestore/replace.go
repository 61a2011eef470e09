package filestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/djsession/djsession/djangosession"
)

var _ djangosession.RecordWriter = (*Store)(nil)

// CompareAndSwap writes r.Data to the session file if it still holds old,
// as Save writes (a temporary file renamed over the session file). The
// file's mtime, which the file engine's expiry counts from, becomes
// r.Expire less SESSION_COOKIE_AGE, or stays as it was when r.Expire is
// zero.
//
// A file system has no compare-and-swap: the file is compared once the
// new content is written to its temporary file, just before the rename,
// so a write by Django landing in that window (between one read and one
// rename) is lost; Django's own concurrent saves of one session overwrite
// one another the same way. A change or removal made before is seen and
// reported as djangosession.ErrChanged. Calls through one Store are
// serialised, so of two swaps from the same old value only one succeeds.
func (s *Store) CompareAndSwap(ctx context.Context, old []byte, r djangosession.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	path, err := s.Path(r.Key)
	if err != nil {
		return err
	}
	s.swapMu.Lock()
	defer s.swapMu.Unlock()
	mtime := r.Expire.Add(-s.cookieAge)
	if r.Expire.IsZero() {
		st, err := os.Stat(path)
		if noFile(err) {
			return fmt.Errorf("filestore: %w", djangosession.ErrChanged)
		}
		if err != nil {
			return ioError("stat", err)
		}
		mtime = st.ModTime()
	}
	tmp, err := s.writeTemp(r.Key, r.Data, mtime)
	if err != nil {
		return err
	}
	cur, err := os.ReadFile(path)
	switch {
	case noFile(err), err == nil && !bytes.Equal(cur, old):
		err = fmt.Errorf("filestore: %w", djangosession.ErrChanged)
	case err != nil:
		err = ioError("read", err)
	default:
		if err = os.Rename(tmp, path); err == nil {
			return nil
		}
		err = ioError("write", err)
	}
	os.Remove(tmp)
	return err
}

// PutRecord writes r.Data to the session file, with an mtime of r.Expire
// less SESSION_COOKIE_AGE so that the file engine expires the session at
// r.Expire (unless the data holds its own _session_expiry). Without
// overwrite the complete file is linked into place, so that a file
// created meanwhile is neither overwritten nor seen half written; a
// session file already there gives djangosession.ErrExists.
func (s *Store) PutRecord(ctx context.Context, r djangosession.Record, overwrite bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	path, err := s.Path(r.Key)
	if err != nil {
		return err
	}
	if r.Expire.IsZero() {
		return errors.New("filestore: put: record without an expiry")
	}
	tmp, err := s.writeTemp(r.Key, r.Data, r.Expire.Add(-s.cookieAge))
	if err != nil {
		return err
	}
	if overwrite {
		err = os.Rename(tmp, path)
	} else {
		err = os.Link(tmp, path)
		os.Remove(tmp)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("filestore: %w", djangosession.ErrExists)
		}
	}
	if err != nil {
		os.Remove(tmp)
		return ioError("write", err)
	}
	return nil
}

// writeTemp writes data to a new temporary file for key's session file,
// named as Save names it, with the given mtime, and returns its path.
func (s *Store) writeTemp(key string, data []byte, mtime time.Time) (string, error) {
	f, err := os.CreateTemp(s.dir, s.prefix+key+"_out_*")
	if err != nil {
		return "", ioError("create temporary file", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chtimes(f.Name(), time.Time{}, mtime)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", ioError("write", err)
	}
	return f.Name(), nil
}
