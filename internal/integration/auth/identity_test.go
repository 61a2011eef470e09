package auth_test

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession/auth"
	"github.com/djsession/djsession/internal/testenv"
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// djangoUser is what testdata/gateway/perms_django.py reports of a user.
type djangoUser struct {
	ID          string          `json:"id"`
	Email       string          `json:"email"`
	IsStaff     bool            `json:"is_staff"`
	IsSuperuser bool            `json:"is_superuser"`
	IsActive    bool            `json:"is_active"`
	Groups      []string        `json:"groups"`
	Perms       []string        `json:"perms"`
	Has         map[string]bool `json:"has"`
	Module      map[string]bool `json:"module"`
}

// customSchema is gwusers.Person's table as Django migrates it.
func customSchema(d django.Dialect) *auth.UserSchema {
	return &auth.UserSchema{
		Table: "people", Username: "login_name", Email: "mail_address", IsStaff: "staff", IsActive: "active",
		GroupsTable: "people_groups", GroupsUserColumn: "person_id",
		PermsTable: "people_user_permissions", PermsUserColumn: "person_id",
		UUIDHex: d != django.PostgreSQL,
	}
}

// TestLiveIdentityPermissions has real Django make users, groups and
// permissions (default and custom user model, UUID key) and checks that
// SQLIdentities reads the same identity, get_all_permissions() and
// has_perm() answers, on SQLite and (when configured) PostgreSQL and MySQL.
func TestLiveIdentityPermissions(t *testing.T) {
	for _, d := range testenv.Djangos(t) {
		if d.Version != "3.2" && d.Version != "6.1" {
			// 4.2 and 5.2 run the same ModelBackend code as 6.1; keep the run short.
			continue
		}
		for _, custom := range []bool{false, true} {
			for _, dbName := range []string{"sqlite", "postgres", "mysql"} {
				t.Run(fmt.Sprintf("%s/custom=%v/%s", d.Version, custom, dbName), func(t *testing.T) {
					if dbName == "mysql" && d.Version == "6.1" {
						// Django 6.x needs mysqlclient >= 2.2.1; Debian 12 has 1.4.6.
						t.Skip("Django 6.1 needs mysqlclient >= 2.2.1, this machine has 1.4.6")
					}
					db, dialect, env := liveDB(t, dbName)
					if custom {
						env = append(env, "DJ_CUSTOM_USER=1")
					}
					d := d
					d.Env = append(append([]string{}, d.Env...), env...)
					var want map[string]djangoUser
					if err := json.Unmarshal(d.Run(t, "../../../testdata/gateway/perms_django.py", nil), &want); err != nil {
						t.Fatal(err)
					}
					var schema *auth.UserSchema
					if custom {
						schema = customSchema(dialect)
					}
					checkIdentities(t, db, dialect, schema, want)
				})
			}
		}
	}
}

// liveDB returns a fresh database of kind name for Django to migrate, its
// dialect and the environment perms_django.py needs to use it.
func liveDB(t *testing.T, name string) (*sql.DB, django.Dialect, []string) {
	t.Helper()
	switch name {
	case "sqlite":
		p := filepath.Join(t.TempDir(), "db.sqlite3")
		db, err := sql.Open("sqlite", p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db, django.SQLite, []string{"DJ_DB=" + p}
	case "postgres":
		dsn := testenv.PostgresDSN(t)
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		dbn := fmt.Sprintf("gw_perms_%d", os.Getpid())
		if _, err := admin.Exec("CREATE DATABASE " + dbn); err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("pgx", "postgres://postgres@127.0.0.1:5432/"+dbn+"?sslmode=disable")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			db.Close()
			_, _ = admin.Exec("DROP DATABASE " + dbn + " WITH (FORCE)")
			admin.Close()
		})
		return db, django.PostgreSQL, []string{"DJ_DB_ENGINE=postgresql", "DJ_DB_NAME=" + dbn, "DJ_DB_USER=postgres", "DJ_DB_PORT=5432"}
	default:
		dsn := testenv.MySQLDSN(t)
		admin, err := sql.Open("mysql", dsn)
		if err != nil {
			t.Fatal(err)
		}
		dbn := fmt.Sprintf("gw_perms_%d", os.Getpid())
		if _, err := admin.Exec("CREATE DATABASE " + dbn); err != nil {
			t.Fatal(err)
		}
		db, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/"+dbn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			db.Close()
			_, _ = admin.Exec("DROP DATABASE " + dbn)
			admin.Close()
		})
		return db, django.MySQL, []string{"DJ_DB_ENGINE=mysql", "DJ_DB_NAME=" + dbn, "DJ_DB_USER=root", "DJ_DB_PORT=3306"}
	}
}

func checkIdentities(t *testing.T, db *sql.DB, d django.Dialect, schema *auth.UserSchema, want map[string]djangoUser) {
	t.Helper()
	ctx := t.Context()
	x, err := auth.NewSQLIdentities(db, d, schema)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 6 {
		t.Fatalf("django made %d users", len(want))
	}
	for name, w := range want {
		u, err := x.Identity(ctx, w.ID)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if u.ID != w.ID || u.Username != name || u.Email != w.Email || u.IsStaff != w.IsStaff ||
			u.IsSuperuser != w.IsSuperuser || u.IsActive != w.IsActive || !slices.Equal(u.Groups, w.Groups) {
			t.Errorf("%s: Go %+v, Django %+v", name, u, w)
		}
		p, err := x.Permissions(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.List(); !slices.Equal(got, w.Perms) && !(len(got) == 0 && len(w.Perms) == 0) {
			t.Errorf("%s: get_all_permissions Go %q, Django %q", name, got, w.Perms)
		}
		for perm, has := range w.Has {
			if p.Has(perm) != has {
				t.Errorf("%s: has_perm(%q) Go %v, Django %v", name, perm, p.Has(perm), has)
			}
		}
		for app, has := range w.Module {
			if p.HasModule(app) != has {
				t.Errorf("%s: has_module_perms(%q) Go %v, Django %v", name, app, p.HasModule(app), has)
			}
		}
		_, err = x.PasswordHash(ctx, w.ID)
		if w.IsActive && err != nil || !w.IsActive && !errors.Is(err, auth.ErrNoUser) {
			t.Errorf("%s: PasswordHash: %v", name, err)
		}
	}
	missing := "999999"
	if schema != nil {
		missing = "00000000-0000-0000-0000-000000000000"
	}
	if _, err := x.Identity(ctx, missing); !errors.Is(err, auth.ErrNoUser) {
		t.Errorf("missing user: %v", err)
	}
	if p, err := x.Permissions(ctx, missing); err != nil || p.Has("auth.view_group") {
		t.Errorf("missing user perms: %v %v", p, err)
	}
}

func TestSQLIdentitiesHostileNames(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "db.sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range []auth.UserSchema{
		{Table: "auth_user; DROP TABLE auth_user"},
		{Username: "username, password"},
		{GroupsTable: "x y"},
		{PermsUserColumn: "a'b"},
	} {
		if _, err := auth.NewSQLIdentities(db, django.SQLite, &s); err == nil {
			t.Errorf("schema %+v accepted", s)
		}
	}
}

func TestPermissionsRules(t *testing.T) {
	for _, c := range []struct {
		name        string
		p           auth.Permissions
		perm        string
		has, module bool
	}{
		{"user perm", auth.NewPermissions(true, false, "app.view_x"), "app.view_x", true, true},
		{"other perm", auth.NewPermissions(true, false, "app.view_x"), "app.change_x", false, true},
		{"superuser any", auth.NewPermissions(true, true), "nosuch.perm", true, true},
		{"inactive superuser", auth.NewPermissions(false, true, "app.view_x"), "app.view_x", false, false},
		{"inactive", auth.NewPermissions(false, false, "app.view_x"), "app.view_x", false, false},
		{"zero", auth.Permissions{}, "app.view_x", false, false},
	} {
		if got := c.p.Has(c.perm); got != c.has {
			t.Errorf("%s: Has(%q) = %v", c.name, c.perm, got)
		}
		if got := c.p.HasModule("app"); got != c.module {
			t.Errorf("%s: HasModule = %v", c.name, got)
		}
	}
}
