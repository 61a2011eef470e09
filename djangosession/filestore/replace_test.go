package filestore_test

import (
	"testing"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/filestore"
	"github.com/djsession/djsession/djangosession/storetest"
)

func TestRecordWriter(t *testing.T) {
	storetest.RunReplace(t, storetest.Options{
		New:     func(t *testing.T) djangosession.Store { return newStore(t, &filestore.Options{}) },
		Secrets: []string{"test-secret-key"},
	})
}
