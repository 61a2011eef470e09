package dbstore_test

import (
	"testing"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/dbstore"
	"github.com/djsession/djsession/djangosession/storetest"
)

// TestRecordWriter runs the RecordWriter conformance case on every
// database, with prepared and unprepared statements.
func TestRecordWriter(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			for _, noPrepare := range []bool{false, true} {
				t.Run(map[bool]string{false: "Prepared", true: "NoPrepare"}[noPrepare], func(t *testing.T) {
					storetest.RunReplace(t, storetest.Options{
						New: func(t *testing.T) djangosession.Store {
							return newStore(t, db, b.dialect, dbstore.Options{NoPrepare: noPrepare})
						},
						ExpiresByDate: true,
						Secrets:       []string{secret},
					})
				})
			}
		})
	}
}
