// Package modcheck holds the test that keeps the root module free of
// drivers and clients: its go.mod may require golang.org/x/ modules only,
// and a module that imports the library gets nothing else.
package modcheck
