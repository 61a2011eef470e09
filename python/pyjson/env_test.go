package pyjson

import "os"

var getenv = os.Getenv
