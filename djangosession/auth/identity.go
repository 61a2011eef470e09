package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/djsession/djsession/django"
)

// Identity is who a user is, as the fields of Django's User model say: what
// a gateway tells the services behind it.
type Identity struct {
	// ID is the primary key as Django writes it into the session
	// (str(pk): "42", or a UUID with dashes).
	ID          string
	Username    string
	Email       string
	IsStaff     bool
	IsSuperuser bool
	IsActive    bool
	// Groups are the names of the user's groups, sorted.
	Groups []string
}

// StaffMember reports whether u is active and staff: the test of Django's
// staff_member_required.
func (u Identity) StaffMember() bool { return u.IsActive && u.IsStaff }

// ActiveSuperuser reports whether u is active and a superuser.
func (u Identity) ActiveSuperuser() bool { return u.IsActive && u.IsSuperuser }

// InAnyGroup reports whether u is active and a member of at least one of
// the named groups. An inactive user counts as in no group, as
// ModelBackend gives an inactive user no permissions.
func (u Identity) InAnyGroup(names ...string) bool {
	return u.IsActive && slices.ContainsFunc(names, func(n string) bool { return slices.Contains(u.Groups, n) })
}

// Identities reads users and their permissions as ModelBackend computes
// them: what the gateway and the in-process rules (adapters/rules) judge
// by. *SQLIdentities is one.
type Identities interface {
	// Identity returns the user with primary key id (as the session
	// holds it); ErrNoUser when there is none.
	Identity(ctx context.Context, id string) (Identity, error)
	// PermissionsOf returns the permissions of a user Identity returned.
	PermissionsOf(ctx context.Context, u Identity) (Permissions, error)
}

var _ Identities = (*SQLIdentities)(nil)

// UserSchema names the tables and columns of the user model, for a custom
// AUTH_USER_MODEL. Empty fields take the names Django gives
// django.contrib.auth.models.User. Names are written into the SQL as given:
// they must come from configuration, never from input; New on SQLIdentities
// checks them.
type UserSchema struct {
	// Table is the user model's db_table; "auth_user".
	Table string
	// ID, Password, Username, Email, IsStaff, IsSuperuser, IsActive are
	// column names ("id", "password", "username", "email", "is_staff",
	// "is_superuser", "is_active"). Email, IsStaff and IsSuperuser may be
	// "-" for a model without the field (read as "" and false).
	ID, Password, Username, Email, IsStaff, IsSuperuser, IsActive string
	// GroupsTable is the m2m table of the groups field
	// ("auth_user_groups"; "<app>_<model>_groups" for a custom model) and
	// GroupsUserColumn its column pointing at the user ("user_id";
	// "<model>_id").
	GroupsTable, GroupsUserColumn string
	// PermsTable is the m2m table of user_permissions
	// ("auth_user_user_permissions") and PermsUserColumn its user column
	// ("user_id").
	PermsTable, PermsUserColumn string
	// UUIDHex is set when the primary key is a UUIDField on SQLite or
	// MySQL, where Django stores it as 32 hex digits without dashes while
	// the session holds the dashed form.
	UUIDHex bool
}

func (s UserSchema) withDefaults() UserSchema {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&s.Table, "auth_user")
	def(&s.ID, "id")
	def(&s.Password, "password")
	def(&s.Username, "username")
	def(&s.Email, "email")
	def(&s.IsStaff, "is_staff")
	def(&s.IsSuperuser, "is_superuser")
	def(&s.IsActive, "is_active")
	def(&s.GroupsTable, "auth_user_groups")
	def(&s.GroupsUserColumn, "user_id")
	def(&s.PermsTable, "auth_user_user_permissions")
	def(&s.PermsUserColumn, "user_id")
	return s
}

func validName(n string) bool {
	if n == "" {
		return false
	}
	for _, c := range n {
		if !(c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// SQLIdentities reads users, their groups and their permissions from
// Django's auth tables over database/sql, as ModelBackend does. It also
// implements Users (treating inactive users as no user, as ModelBackend),
// so one value serves Auth and the identity lookups. Use NewSQLIdentities.
type SQLIdentities struct {
	db *sql.DB
	d  django.Dialect
	s  UserSchema

	qUser, qPassword, qPerms, qAllPerms string

	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// NewSQLIdentities returns the identity reader for db in dialect d; a nil
// schema means Django's own User model.
func NewSQLIdentities(db *sql.DB, d django.Dialect, schema *UserSchema) (*SQLIdentities, error) {
	if db == nil {
		return nil, errors.New("auth: nil *sql.DB")
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	var s UserSchema
	if schema != nil {
		s = *schema
	}
	s = s.withDefaults()
	for _, n := range []string{s.Table, s.ID, s.Password, s.Username, s.Email, s.IsStaff, s.IsSuperuser,
		s.IsActive, s.GroupsTable, s.GroupsUserColumn, s.PermsTable, s.PermsUserColumn} {
		if n != "-" && !validName(n) {
			return nil, fmt.Errorf("auth: invalid table or column name %q", n)
		}
	}
	col := func(c, zero string) string {
		if c == "-" {
			return zero
		}
		return "u." + c
	}
	p1 := d.Placeholder(1)
	x := &SQLIdentities{db: db, d: d, s: s}
	// One query for the user and its groups (a row per group, the group
	// NULL when there is none), password included for PasswordHash.
	x.qUser = "SELECT u." + s.Password + ", u." + s.Username + ", " + col(s.Email, "''") + ", " + col(s.IsStaff, "0") + ", " +
		col(s.IsSuperuser, "0") + ", u." + s.IsActive + ", g.name FROM " + s.Table + " u LEFT JOIN " + s.GroupsTable +
		" ug ON ug." + s.GroupsUserColumn + " = u." + s.ID + " LEFT JOIN auth_group g ON g.id = ug.group_id WHERE u." +
		s.ID + " = " + p1 + " ORDER BY g.name"
	x.qPassword = "SELECT u." + s.Password + ", u." + s.IsActive + " FROM " + s.Table + " u WHERE u." + s.ID + " = " + p1
	const perm = "SELECT ct.app_label, p.codename FROM auth_permission p JOIN django_content_type ct ON ct.id = p.content_type_id"
	x.qPerms = perm + " JOIN " + s.PermsTable + " up ON up.permission_id = p.id WHERE up." + s.PermsUserColumn + " = " + p1 +
		" UNION " + perm + " JOIN auth_group_permissions gp ON gp.permission_id = p.id JOIN " + s.GroupsTable +
		" ug ON ug.group_id = gp.group_id WHERE ug." + s.GroupsUserColumn + " = " + d.Placeholder(2)
	x.qAllPerms = perm
	return x, nil
}

// key returns the primary key value as the database stores it.
func (x *SQLIdentities) key(id string) string {
	if x.s.UUIDHex {
		return strings.ReplaceAll(id, "-", "")
	}
	return id
}

// stmt returns q prepared once (database/sql prepares it again on each
// connection that needs it).
func (x *SQLIdentities) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if st, ok := x.stmts[q]; ok {
		return st, nil
	}
	st, err := x.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if x.stmts == nil {
		x.stmts = map[string]*sql.Stmt{}
	}
	x.stmts[q] = st
	return st, nil
}

type memoKey struct{}

// userMemo holds the user row read by PasswordHash for Identity.
type userMemo struct {
	id    string
	user  Identity
	found bool
}

// WithUserMemo returns a context in which SQLIdentities reads a user's row
// once: PasswordHash (called by Auth.User) then reads the identity and
// groups in the same query, and Identity for the same id answers from it.
// Use one per request, so that no change made in Django is missed.
func WithUserMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &userMemo{})
}

// PasswordHash implements Users: ErrNoUser for a missing or inactive user.
func (x *SQLIdentities) PasswordHash(ctx context.Context, id string) (string, error) {
	if m, ok := ctx.Value(memoKey{}).(*userMemo); ok {
		u, pw, err := x.read(ctx, id)
		if err != nil && !errors.Is(err, ErrNoUser) {
			return "", err
		}
		*m = userMemo{id: id, user: u, found: err == nil}
		if err != nil || !u.IsActive {
			return "", ErrNoUser
		}
		return pw, nil
	}
	st, err := x.stmt(ctx, x.qPassword)
	if err != nil {
		return "", fmt.Errorf("auth: reading user: %w", err)
	}
	var pw string
	var active bool
	err = st.QueryRowContext(ctx, x.key(id)).Scan(&pw, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNoUser
	}
	if err != nil {
		return "", fmt.Errorf("auth: reading user: %w", err)
	}
	if !active {
		return "", ErrNoUser
	}
	return pw, nil
}

// Identity returns the user with primary key id (as the session holds it)
// and the names of the user's groups; ErrNoUser when there is none. An
// inactive user is returned with IsActive false.
func (x *SQLIdentities) Identity(ctx context.Context, id string) (Identity, error) {
	if m, ok := ctx.Value(memoKey{}).(*userMemo); ok && m.id == id && id != "" {
		if !m.found {
			return Identity{}, ErrNoUser
		}
		return m.user, nil
	}
	u, _, err := x.read(ctx, id)
	return u, err
}

// read runs the user query: the identity with its groups, and the
// password field.
func (x *SQLIdentities) read(ctx context.Context, id string) (Identity, string, error) {
	st, err := x.stmt(ctx, x.qUser)
	if err != nil {
		return Identity{}, "", fmt.Errorf("auth: reading user: %w", err)
	}
	rows, err := st.QueryContext(ctx, x.key(id))
	if err != nil {
		return Identity{}, "", fmt.Errorf("auth: reading user: %w", err)
	}
	defer rows.Close()
	u := Identity{ID: id}
	var pw string
	n := 0
	for rows.Next() {
		var email, group sql.NullString
		if err := rows.Scan(&pw, &u.Username, &email, &u.IsStaff, &u.IsSuperuser, &u.IsActive, &group); err != nil {
			return Identity{}, "", fmt.Errorf("auth: reading user: %w", err)
		}
		u.Email = email.String
		if group.Valid {
			u.Groups = append(u.Groups, group.String)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return Identity{}, "", fmt.Errorf("auth: reading user: %w", err)
	}
	if n == 0 {
		return Identity{}, "", ErrNoUser
	}
	return u, pw, nil
}

// Ping checks that the user table can be read, for readiness probes.
func (x *SQLIdentities) Ping(ctx context.Context) error {
	var n int
	q := "SELECT COUNT(*) FROM " + x.s.Table + " WHERE 1 = 0"
	if err := x.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return fmt.Errorf("auth: reading user table: %w", err)
	}
	return nil
}
