// Command djsession reads and writes Django sessions, signatures and password
// hashes from a terminal.
//
// Run "djsession --help" for the list of commands. Exit codes are the same
// for every command: 0 success, 1 nothing found or no match (a failed check,
// a bad signature), 2 a usage error or any other failure.
package main

import (
	"context"
	"os"
	"runtime/debug"
)

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	a := newApp(os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	os.Exit(a.run(context.Background(), os.Args[1:]))
}
