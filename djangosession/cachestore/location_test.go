package cachestore_test

import (
	"slices"
	"testing"

	"github.com/djsession/djsession/djangosession/cachestore"
)

// TestSplitLocation: re.split("[;,]", s) (Django's RedisCache and memcached
// backends) and s.split(",") (django-redis), as Python gives them.
func TestSplitLocation(t *testing.T) {
	for _, c := range []struct {
		loc             string
		django, djRedis []string
	}{
		{"redis://a:1/0", []string{"redis://a:1/0"}, []string{"redis://a:1/0"}},
		{"redis://a:1/0,redis://b:1/0;redis://c:1/0", []string{"redis://a:1/0", "redis://b:1/0", "redis://c:1/0"},
			[]string{"redis://a:1/0", "redis://b:1/0;redis://c:1/0"}},
		{"a:1;b:2,c:3", []string{"a:1", "b:2", "c:3"}, []string{"a:1;b:2", "c:3"}},
		{"a:1; b:2;", []string{"a:1", " b:2", ""}, []string{"a:1; b:2;"}},
		{"a, b", []string{"a", " b"}, []string{"a", " b"}},
		{"a,,b;", []string{"a", "", "b", ""}, []string{"a", "", "b;"}},
		{"", []string{""}, []string{""}},
	} {
		for _, b := range []cachestore.Backend{cachestore.RedisCache, cachestore.PyMemcache, cachestore.PyLibMC} {
			if got := cachestore.SplitLocation(b, c.loc); !slices.Equal(got, c.django) {
				t.Errorf("%v %q: %q, want %q", b, c.loc, got, c.django)
			}
		}
		if got := cachestore.SplitLocation(cachestore.DjangoRedis, c.loc); !slices.Equal(got, c.djRedis) {
			t.Errorf("django-redis %q: %q, want %q", c.loc, got, c.djRedis)
		}
	}
}
