package filestore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/djangosession/filestore"
)

// A Go service sharing SESSION_FILE_PATH and SECRET_KEY with a Django
// project that uses SESSION_ENGINE = "django.contrib.sessions.backends.file".
func Example() {
	dir, err := os.MkdirTemp("", "sessions") // SESSION_FILE_PATH
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: "django-insecure-example-key"}})
	if err != nil {
		log.Fatal(err)
	}
	store, err := filestore.New(&filestore.Options{Dir: dir, Codec: codec})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Write a session file under a key, as Django's create would.
	engine, err := djangosession.NewEngine(store, nil)
	if err != nil {
		log.Fatal(err)
	}
	data := engine.New().Data()
	data.Set("cart", "3 items")
	const key = "n5eep83hnmjyrfd01kps8z2rvqf0wrq8"
	if err := store.Save(ctx, key, data, djangosession.Expiry{}, true); err != nil {
		log.Fatal(err)
	}
	_, err = os.Stat(filepath.Join(dir, "sessionid"+key))
	fmt.Println("file sessionid<key> exists:", err == nil)

	got, err := store.Load(ctx, key)
	if err != nil {
		log.Fatal(err)
	}
	v, _ := got.Get("cart")
	fmt.Println("cart:", v)

	// The clearsessions command, for this engine.
	n, err := store.ClearExpired(ctx)
	fmt.Println("expired sessions removed:", n, err)
	// Output:
	// file sessionid<key> exists: true
	// cart: 3 items
	// expired sessions removed: 0 <nil>
}
