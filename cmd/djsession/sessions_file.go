package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/djsession/djsession/djangosession"
)

// neverExpires is the expire_date shown for file-engine sessions Django
// never expires: empty placeholder files, and sessions whose
// _session_expiry is a positive number of seconds (the file engine compares
// that number with zero, not with the file's age).
var neverExpires = djangosession.NoExpiry

// maxSessionFile bounds what is read of one session file.
const maxSessionFile = 16 << 20

// fileDir is the directory of Django's file session engine
// (SESSION_FILE_PATH): one file per session named SESSION_COOKIE_NAME +
// key, holding session_data. Its expiry is _session_expiry, or the file's
// mtime + SESSION_COOKIE_AGE.
type fileDir struct {
	dir    string
	prefix string        // SESSION_COOKIE_NAME
	age    time.Duration // SESSION_COOKIE_AGE
	cl     *classifier   // reads _session_expiry
}

func (d *fileDir) Close() error { return nil }

// expiry returns when Django's file engine considers the session expired.
func (d *fileDir) expiry(data string, mtime time.Time) time.Time {
	if data == "" {
		return neverExpires // load() skips the expiry check for empty files
	}
	def := mtime.Add(d.age).UTC()
	v := d.cl.classify(data)
	if v.data == nil {
		return def // Django decodes it as {}
	}
	raw, ok := v.data.Get(djangosession.ExpiryKey)
	if !ok {
		return def
	}
	switch x := raw.(type) {
	case string:
		if t, err := djangosession.ParseISOTime(x, time.UTC); err == nil {
			return t.UTC()
		}
		return def
	case bool:
		if x {
			return neverExpires
		}
		return def
	case nil:
		return def
	}
	if n, ok := number(raw); ok {
		switch {
		case n > 0:
			return neverExpires
		case n < 0:
			return time.Time{} // expired whatever the time
		}
	}
	return def
}

// number reads a JSON number as an integer.
func number(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		return int64(x), true
	case interface{ Sign() int }:
		return int64(x.Sign()), true // big ints: only the sign matters here
	}
	return 0, false
}

// validFileKey is the file engine's key check: only a-z and 0-9.
func validFileKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// keys lists the session keys in the directory, sorted (os.ReadDir sorts),
// skipping Django's temporary "_out_" files and foreign files.
func (d *fileDir) keys() ([]string, error) {
	ents, err := os.ReadDir(d.dir)
	if err != nil {
		return nil, fmt.Errorf("reading session directory: %w", err)
	}
	var keys []string
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, d.prefix) {
			continue
		}
		if k := name[len(d.prefix):]; validFileKey(k) {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

func (d *fileDir) read(key string) (sessionRow, error) {
	f, err := os.Open(filepath.Join(d.dir, d.prefix+key))
	if err != nil {
		return sessionRow{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return sessionRow{}, err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSessionFile))
	if err != nil {
		return sessionRow{}, err
	}
	r := sessionRow{key: key, data: string(b)}
	r.expire = d.expiry(r.data, st.ModTime())
	r.mtime = st.ModTime()
	return r, nil
}

func (d *fileDir) each(ctx context.Context, f rowFilter, fn func(sessionRow) error) error {
	keys, err := d.keys()
	if err != nil {
		return err
	}
	n := 0
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		if f.key != "" && k != f.key || f.after != "" && k <= f.after || !strings.HasPrefix(k, f.keyPrefix) {
			continue // before reading the file
		}
		r, err := d.read(k)
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted meanwhile
		}
		if err != nil {
			return fmt.Errorf("reading session file: %w", err)
		}
		if !f.match(r) {
			continue
		}
		if err := fn(r); err != nil {
			return err
		}
		if n++; f.limit > 0 && n >= f.limit {
			return nil
		}
	}
	return nil
}

func (d *fileDir) count(ctx context.Context, f rowFilter) (int64, error) {
	var n int64
	f.limit = 0
	err := d.each(ctx, f, func(sessionRow) error { n++; return nil })
	return n, err
}

func (d *fileDir) countExpired(ctx context.Context, now time.Time) (int64, error) {
	return d.count(ctx, rowFilter{expired: true, now: now})
}

// clearExpired removes expired session files, as Django's clear_expired
// for the file engine (which loads each session and lets load() delete it).
func (d *fileDir) clearExpired(ctx context.Context, now time.Time, _ int, progress func(int64)) (int64, error) {
	var n int64
	err := d.each(ctx, rowFilter{expired: true, now: now}, func(r sessionRow) error {
		err := os.Remove(filepath.Join(d.dir, d.prefix+r.key))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("deleting a session file: %w", err)
		}
		if err == nil {
			n++
			progress(n)
		}
		return nil
	})
	return n, err
}

// replaceData rewrites session files as Django does (a temporary file in
// the same directory renamed over the session), keeping each file's mtime
// so the session's expiry does not move.
func (d *fileDir) replaceData(ctx context.Context, changes []dataChange, done int) (changed, skipped int64, err error) {
	for i, c := range changes {
		if err := ctx.Err(); err != nil {
			return changed, skipped, fmt.Errorf("rekey interrupted: %w", err)
		}
		cur, err := d.read(c.key)
		if errors.Is(err, os.ErrNotExist) || err == nil && cur.data != c.old {
			skipped++
			continue
		}
		if err != nil {
			return changed, skipped, fmt.Errorf("rekey: %w", err)
		}
		name := d.prefix + c.key
		tmp, err := os.CreateTemp(d.dir, name+"_out_")
		if err != nil {
			return changed, skipped, fmt.Errorf("rekey: %w", err)
		}
		_, err = tmp.WriteString(c.new)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(tmp.Name(), 0o600)
		}
		if err == nil {
			err = os.Chtimes(tmp.Name(), time.Time{}, cur.mtime)
		}
		if err == nil {
			err = os.Rename(tmp.Name(), filepath.Join(d.dir, name))
		}
		if err != nil {
			os.Remove(tmp.Name())
			return changed, skipped, fmt.Errorf("rekey: %w", err)
		}
		changed++
		afterRow(ctx, done+i+1)
	}
	return changed, skipped, nil
}
