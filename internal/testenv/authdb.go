package testenv

// AuthTablesSQLite creates, in SQLite, the part of Django's auth and
// contenttypes schema that identities and permissions are read from, with
// fixtures: users 1 alice (in group "readers", which has
// reports.view_report), 2 bob (staff, in group "ops, night"), 3 root
// (superuser), 4 gone (inactive superuser) and 5 zoë. Their password
// fields are "md5$a$<id>". Tests that need Django's real schema run Django's
// migrations instead (testdata/gateway/perms_django.py).
var AuthTablesSQLite = []string{
	`CREATE TABLE django_content_type (id integer PRIMARY KEY, app_label varchar(100), model varchar(100))`,
	`CREATE TABLE auth_permission (id integer PRIMARY KEY, content_type_id integer, codename varchar(100), name varchar(255))`,
	`CREATE TABLE auth_group (id integer PRIMARY KEY, name varchar(150) UNIQUE)`,
	`CREATE TABLE auth_group_permissions (id integer PRIMARY KEY, group_id integer, permission_id integer)`,
	`CREATE TABLE auth_user (id integer PRIMARY KEY, password varchar(128), last_login datetime NULL, is_superuser bool, username varchar(150), email varchar(254), is_staff bool, is_active bool)`,
	`CREATE TABLE auth_user_groups (id integer PRIMARY KEY, user_id integer, group_id integer)`,
	`CREATE TABLE auth_user_user_permissions (id integer PRIMARY KEY, user_id integer, permission_id integer)`,
	`INSERT INTO django_content_type VALUES (1, 'reports', 'report')`,
	`INSERT INTO auth_permission VALUES (1, 1, 'view_report', 'Can view'), (2, 1, 'change_report', 'Can change')`,
	`INSERT INTO auth_group VALUES (1, 'ops, night'), (2, 'readers')`,
	`INSERT INTO auth_group_permissions VALUES (1, 2, 1)`,
	`INSERT INTO auth_user VALUES
		(1, 'md5$a$1', NULL, 0, 'alice', 'alice@example.com', 0, 1),
		(2, 'md5$a$2', NULL, 0, 'bob', 'bob@example.com', 1, 1),
		(3, 'md5$a$3', NULL, 1, 'root', '', 1, 1),
		(4, 'md5$a$4', NULL, 1, 'gone', '', 1, 0),
		(5, 'md5$a$5', NULL, 0, 'zoë', 'z@example.com', 0, 1)`,
	`INSERT INTO auth_user_groups VALUES (1, 2, 1), (2, 1, 2)`,
}
