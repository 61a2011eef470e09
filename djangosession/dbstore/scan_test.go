package dbstore_test

import (
	"testing"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/storetest"
)

// TestLister runs the listing conformance case on every database, with
// batches smaller than the table so that paging is exercised.
func TestLister(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			storetest.RunLister(t, storetest.Options{
				New: func(t *testing.T) djangosession.Store {
					return newStore(t, db, b.dialect, dbstore.Options{BatchSize: 4})
				},
				ExpiresByDate: true,
			})
		})
	}
}
