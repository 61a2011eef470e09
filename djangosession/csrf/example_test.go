package csrf_test

import (
	"fmt"

	"github.com/djsession/djsession/djangosession/csrf"
)

func ExampleMask() {
	// The form token Django renders for this secret with this mask.
	tok, _ := csrf.Mask("abcdefghijABCDEFGHIJ0123456789zZ", "MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM")
	fmt.Println(tok)
	secret, _ := csrf.Unmask(tok)
	fmt.Println(secret)
	// Output:
	// MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMNOPQRSTUVcdefghijklCDEFGHIJKLbB
	// abcdefghijABCDEFGHIJ0123456789zZ
}
