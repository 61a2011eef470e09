package dbstore

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
)

var _ djangosession.Lister = (*Store)(nil)

// List returns the rows of the table in session_key order, expired ones
// included, selecting o.BatchSize rows (BatchSize when zero) per query
// from the last key read: no query holds the table for long, and memory
// stays flat at any table size.
func (s *Store) List(ctx context.Context, o *djangosession.ListOptions) iter.Seq2[djangosession.Record, error] {
	return func(yield func(djangosession.Record, error) bool) {
		if o == nil {
			o = &djangosession.ListOptions{}
		}
		batch := o.BatchSize
		if batch <= 0 {
			batch = s.batch
		}
		p := func(i int) string {
			if s.d == django.PostgreSQL {
				return "$" + strconv.Itoa(i)
			}
			return "?"
		}
		after, op := o.After, ">"
		if o.Prefix > after {
			after, op = o.Prefix, ">=" // keys with the prefix sort from it on
		}
		q := "SELECT session_key, session_data, expire_date FROM " + s.table +
			" WHERE session_key " + op + " " + p(1) + " ORDER BY session_key LIMIT " + strconv.Itoa(batch)
		next := "SELECT session_key, session_data, expire_date FROM " + s.table +
			" WHERE session_key > " + p(1) + " ORDER BY session_key LIMIT " + strconv.Itoa(batch)
		for {
			if s.closed.Load() {
				yield(djangosession.Record{}, ErrClosed)
				return
			}
			recs, err := s.listBatch(ctx, q, after)
			if err != nil {
				yield(djangosession.Record{}, err)
				return
			}
			for _, r := range recs {
				if !strings.HasPrefix(r.Key, o.Prefix) {
					if r.Key > o.Prefix {
						return // past the prefix's range
					}
					continue
				}
				if !yield(r, nil) {
					return
				}
			}
			if len(recs) < batch {
				return
			}
			after, q = recs[len(recs)-1].Key, next
		}
	}
}

func (s *Store) listBatch(ctx context.Context, q, after string) ([]djangosession.Record, error) {
	rows, err := s.db.QueryContext(ctx, q, after)
	if err != nil {
		return nil, fmt.Errorf("dbstore: list: %w", err)
	}
	defer rows.Close()
	var out []djangosession.Record
	for rows.Next() {
		var key string
		var data []byte
		var exp any
		if err := rows.Scan(&key, &data, &exp); err != nil {
			return nil, fmt.Errorf("dbstore: list: %w", err)
		}
		t, err := s.parseTime(exp)
		if err != nil {
			return nil, err
		}
		out = append(out, djangosession.Record{Key: key, Data: data, Expire: t.UTC()})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dbstore: list: %w", err)
	}
	return out, nil
}

// DecodeRecord decodes a listed row's session_data as Load does.
func (s *Store) DecodeRecord(r djangosession.Record) (*pyjson.Object, error) {
	return s.codec.Decode(string(r.Data))
}
