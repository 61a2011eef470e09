package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/filestore"
)

// neverExpires is the expire_date shown for sessions that never expire
// (file engine placeholders and integer expiries, cache entries without a
// time to live).
var neverExpires = djangosession.NoExpiry

// fileDir is the directory of Django's file session engine
// (SESSION_FILE_PATH): one file per session named SESSION_COOKIE_NAME +
// key, holding session_data. It is read through the library's filestore
// (its listing applies the file engine's expiry rules); rekey and copy
// write files here as Django does.
type fileDir struct {
	dir    string
	prefix string        // SESSION_COOKIE_NAME
	age    time.Duration // SESSION_COOKIE_AGE
	store  *filestore.Store
}

func (d *fileDir) Close() error { return nil }

func (d *fileDir) each(ctx context.Context, f rowFilter, fn func(sessionRow) error) error {
	return listEach(ctx, d.store, f, func(r djangosession.Record) sessionRow {
		return sessionRow{key: r.Key, data: string(r.Data), expire: r.Expire}
	}, fn)
}

func (d *fileDir) count(ctx context.Context, f rowFilter) (int64, error) { return countEach(ctx, d, f) }

// clearExpired removes expired session files with the library's
// ClearExpired, as Django's clear_expired for the file engine.
func (d *fileDir) clearExpired(ctx context.Context) (int64, error) { return d.store.ClearExpired(ctx) }

// replaceData rewrites session files as Django does (a temporary file in
// the same directory renamed over the session), keeping each file's mtime
// so the session's expiry does not move.
func (d *fileDir) replaceData(ctx context.Context, changes []dataChange, done int) (changed, skipped int64, err error) {
	for i, c := range changes {
		if err := ctx.Err(); err != nil {
			return changed, skipped, fmt.Errorf("rekey interrupted: %w", err)
		}
		name := d.prefix + c.key
		path := filepath.Join(d.dir, name)
		st, err := os.Stat(path)
		var cur []byte
		if err == nil {
			cur, err = os.ReadFile(path)
		}
		if errors.Is(err, os.ErrNotExist) || err == nil && string(cur) != c.old {
			skipped++
			continue
		}
		if err != nil {
			return changed, skipped, fmt.Errorf("rekey: %w", err)
		}
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
			err = os.Chtimes(tmp.Name(), time.Time{}, st.ModTime())
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
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
