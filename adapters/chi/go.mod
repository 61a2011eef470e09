module github.com/djsession/djsession/adapters/chi

go 1.26.0

require (
	github.com/djsession/djsession v0.0.0
	github.com/djsession/djsession/adapters/adaptertest v0.0.0
)

require github.com/djsession/djsession/djangosession/dbstore v0.0.0 // indirect

require (
	github.com/dustin/go-humanize v1.1.0 // indirect
	github.com/go-chi/chi/v5 v5.5.0
	github.com/google/uuid v1.6.0 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/ncruces/go-strftime v1.1.0 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	modernc.org/libc v1.79.0 // indirect
	modernc.org/mathutil v1.7.1 // indirect
	modernc.org/memory v1.12.1 // indirect
	modernc.org/sqlite v1.61.1
)

replace (
	github.com/djsession/djsession => ../..
	github.com/djsession/djsession/adapters/adaptertest => ../adaptertest
	github.com/djsession/djsession/djangosession/dbstore => ../../djangosession/dbstore
)
