package django

import (
	"errors"
	"slices"
	"testing"
)

func TestParseRelease(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Release
	}{
		{"3.2", Django32}, {"4.2.28", Django42}, {"5.2.18", Django52}, {"6.1", Django61}, {"6.1.1", Django61},
	} {
		got, err := ParseRelease(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseRelease(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "2.2", "7.0", "4", "4.", ".2", "4.2.", "4.2.x", "v4.2", "4.2rc1", "04.2"} {
		if got, err := ParseRelease(in); !errors.Is(err, ErrUnknownRelease) {
			t.Errorf("ParseRelease(%q) = %q, %v; want ErrUnknownRelease", in, got, err)
		}
	}
}

func TestReleaseOrder(t *testing.T) {
	rs := Releases()
	if rs[len(rs)-1] != Newest {
		t.Errorf("last of Releases() = %q, Newest = %q", rs[len(rs)-1], Newest)
	}
	for i, a := range rs {
		if err := a.Validate(); err != nil {
			t.Error(err)
		}
		for j, b := range rs {
			if a.Before(b) != (i < j) {
				t.Errorf("%s.Before(%s) = %v", a, b, a.Before(b))
			}
		}
	}
	if Release("").Before(Newest) || !Django52.Before("") || Release("").OrNewest() != Newest {
		t.Error("the empty Release is not Newest")
	}
	if !Release("9.0").Before("10.0") {
		t.Error("Before compares lexically, not numerically")
	}
	if err := Release("4.3").Validate(); !errors.Is(err, ErrUnknownRelease) {
		t.Errorf("Validate(4.3) = %v", err)
	}
	rs[0] = "x"
	if Releases()[0] != Django32 {
		t.Error("Releases() shares its slice")
	}
}

func TestDialect(t *testing.T) {
	for _, d := range []Dialect{SQLite, PostgreSQL, MySQL} {
		got, err := ParseDialect(d.String())
		if err != nil || got != d || d.Validate() != nil {
			t.Errorf("ParseDialect(%q) = %v, %v", d.String(), got, err)
		}
	}
	for in, want := range map[string]Dialect{"postgres": PostgreSQL, "PostGIS": PostgreSQL, "mariadb": MySQL,
		"django.db.backends.sqlite3": SQLite, "django.contrib.gis.db.backends.mysql": MySQL, "spatialite": SQLite} {
		if got, err := ParseDialect(in); err != nil || got != want {
			t.Errorf("ParseDialect(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "oracle", "redis", "file"} {
		if _, err := ParseDialect(in); !errors.Is(err, ErrUnknownDialect) {
			t.Errorf("ParseDialect(%q) = %v", in, err)
		}
	}
	if err := Dialect(0).Validate(); !errors.Is(err, ErrUnknownDialect) {
		t.Errorf("Dialect(0).Validate() = %v", err)
	}
	if got := []string{PostgreSQL.Placeholder(1), PostgreSQL.Placeholder(12), MySQL.Placeholder(2), SQLite.Placeholder(3)}; !slices.Equal(got, []string{"$1", "$12", "?", "?"}) {
		t.Errorf("placeholders = %v", got)
	}
}

func TestSettingsKeys(t *testing.T) {
	if k := (Settings{}).Keys(); !slices.Equal(k, []string{""}) {
		t.Errorf("zero Settings has keys %q", k)
	}
	if err := (Settings{Release: "1.11"}).Validate(); !errors.Is(err, ErrUnknownRelease) {
		t.Errorf("Validate(1.11) = %v", err)
	}
	s := Settings{SecretKey: "a", SecretKeyFallbacks: []string{"b", "c"}}
	k := s.Keys()
	if !slices.Equal(k, []string{"a", "b", "c"}) {
		t.Errorf("Keys() = %v", k)
	}
	k[1] = "x"
	if s.SecretKeyFallbacks[0] != "b" {
		t.Error("Keys() shares the fallbacks' array")
	}
}
