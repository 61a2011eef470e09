package memstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
)

// ErrNoCodec is returned by the Lister and RecordWriter methods of a
// Store made without Options.Codec.
var ErrNoCodec = errors.New("memstore: records need Options.Codec")

var (
	_ djangosession.Lister       = (*Store)(nil)
	_ djangosession.RecordWriter = (*Store)(nil)
)

// List returns the sessions held, expired ones included, in key order,
// each as encoded when it was saved or written. It needs Options.Codec.
func (s *Store) List(ctx context.Context, o *djangosession.ListOptions) iter.Seq2[djangosession.Record, error] {
	return func(yield func(djangosession.Record, error) bool) {
		if s.codec == nil {
			yield(djangosession.Record{}, ErrNoCodec)
			return
		}
		if o == nil {
			o = &djangosession.ListOptions{}
		}
		var recs []djangosession.Record
		s.mu.Lock()
		for k, e := range s.data {
			if k > o.After && strings.HasPrefix(k, o.Prefix) {
				exp := e.expires
				if exp.IsZero() {
					exp = djangosession.NoExpiry
				}
				recs = append(recs, djangosession.Record{Key: k, Data: e.raw, Expire: exp})
			}
		}
		s.mu.Unlock()
		slices.SortFunc(recs, func(a, b djangosession.Record) int { return strings.Compare(a.Key, b.Key) })
		for _, r := range recs {
			if err := ctx.Err(); err != nil {
				yield(djangosession.Record{}, err)
				return
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

// DecodeRecord decodes a listed record as the codec does.
func (s *Store) DecodeRecord(r djangosession.Record) (*pyjson.Object, error) {
	if s.codec == nil {
		return nil, ErrNoCodec
	}
	return s.codec.Decode(string(r.Data))
}

// record decodes r for storing. Unlike the other stores, which keep the
// bytes, this one keeps sessions decoded: a record that does not decode
// is refused with an error matching djangosession.ErrCorrupt.
func (s *Store) record(ctx context.Context, r djangosession.Record) (*pyjson.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.codec == nil {
		return nil, ErrNoCodec
	}
	d, err := s.codec.Decode(string(r.Data))
	if err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	return d, nil
}

// expiry is what an entry keeps of a record's Expire.
func expiry(t time.Time) time.Time {
	if !t.Before(djangosession.NoExpiry) {
		return time.Time{}
	}
	return t
}

// CompareAndSwap replaces the session under r.Key if it is still held
// encoded as old, under the store's lock. It needs Options.Codec, and
// r.Data must decode (see record).
func (s *Store) CompareAndSwap(ctx context.Context, old []byte, r djangosession.Record) error {
	d, err := s.record(ctx, r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[r.Key]
	if !ok || !bytes.Equal(e.raw, old) {
		return djangosession.ErrChanged
	}
	e.data, e.raw = d, bytes.Clone(r.Data)
	if !r.Expire.IsZero() {
		e.expires = expiry(r.Expire)
	}
	s.data[r.Key] = e
	return nil
}

// PutRecord stores r under r.Key; without overwrite a key held, expired
// or not, gives djangosession.ErrExists. It needs Options.Codec, and
// r.Data must decode (see record).
func (s *Store) PutRecord(ctx context.Context, r djangosession.Record, overwrite bool) error {
	if r.Expire.IsZero() {
		return errors.New("memstore: put: record without an expiry")
	}
	d, err := s.record(ctx, r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.data[r.Key]; ok && !overwrite {
		return djangosession.ErrExists
	}
	s.data[r.Key] = entry{data: d, raw: bytes.Clone(r.Data), expires: expiry(r.Expire)}
	return nil
}
