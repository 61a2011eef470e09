package main

import (
	"context"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/filestore"
)

// neverExpires is the expire_date shown for sessions that never expire
// (file engine placeholders and integer expiries, cache entries without a
// time to live).
var neverExpires = djangosession.NoExpiry

// fileDir is the directory of Django's file session engine
// (SESSION_FILE_PATH): one file per session named SESSION_COOKIE_NAME +
// key, holding session_data. It is read and written through the
// library's filestore (its listing applies the file engine's expiry
// rules; rekey and copy write files there as Django does).
type fileDir struct {
	store *filestore.Store
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

func (d *fileDir) records() djangosession.RecordWriter { return d.store }
