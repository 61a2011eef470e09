package cachestore_test

import (
	"testing"

	"github.com/djsession/djsession/djangosession/cachestore"
	"github.com/djsession/djsession/djangosession/storetest"
)

// TestRecordWriter runs the RecordWriter conformance case on Redis (a
// script) and memcached (gets and cas) with every backend.
func TestRecordWriter(t *testing.T) {
	eachListingStore(t, func(t *testing.T, b cachestore.Backend, o storetest.Options) {
		o.Concurrency = 16
		o.NoKeepExpiry = b.Memcached()
		storetest.RunReplace(t, o)
	})
}
