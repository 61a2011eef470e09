package memstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/memstore"
)

func Example() {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	store := memstore.New(&memstore.Options{Now: func() time.Time { return now }})
	engine, err := djangosession.NewEngine(store, &djangosession.Options{Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}

	s := engine.New()
	s.Set("cart", int64(3))
	if err := s.Save(ctx); err != nil {
		panic(err)
	}

	again, err := engine.Open(ctx, s.Key())
	if err != nil {
		panic(err)
	}
	v, _ := again.Get("cart")
	fmt.Println("cart:", v, "saves:", store.Saves())

	// Two weeks later (SESSION_COOKIE_AGE) the session has expired.
	now = now.Add(14 * 24 * time.Hour)
	n, _ := store.ClearExpired(ctx)
	fmt.Println("cleared:", n)
	// Output:
	// cart: 3 saves: 1
	// cleared: 1
}
