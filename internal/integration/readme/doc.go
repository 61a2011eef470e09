// Package readme holds the test that keeps README.md true: it compiles and
// runs every Go snippet (wrapped in a program that gives it a SQLite
// database from testdata/, SECRET_KEY and a cookie) and every sh command.
package readme
