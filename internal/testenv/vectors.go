package testenv

import (
	"encoding/json"
	"os"
	"testing"
)

// ReadJSON reads the JSON file at path (a committed vector file, relative
// to the test's directory) into v, failing the test when it cannot.
func ReadJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
