package main

import (
	"testing"

	"github.com/djsession/djsession/djangosession"
)

// mustEngine returns djangosession.NewEngine(store, o), failing the test if
// the engine cannot be built.
func mustEngine(tb testing.TB, store djangosession.Store, o *djangosession.Options) *djangosession.Engine {
	tb.Helper()
	e, err := djangosession.NewEngine(store, o)
	if err != nil {
		tb.Fatalf("NewEngine: %v", err)
	}
	return e
}
