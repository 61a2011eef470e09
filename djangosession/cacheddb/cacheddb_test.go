package cacheddb_test

import (
	"testing"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/cacheddb"
	"github.com/djsession/djsession/djangosession/memstore"
	"github.com/djsession/djsession/djangosession/storetest"
)

// TestConformance runs the store suite on cached_db over an in-memory
// database half and an in-memory cache (the live suites on SQLite,
// PostgreSQL, MariaDB, Redis and memcached are in
// internal/integration/cacheddb).
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Options{
		New: func(t *testing.T) djangosession.Store {
			s, err := cacheddb.New(memstore.New(nil), storetest.NewMemCache(), nil)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		ExpiresByDate: true,
	})
}
