module github.com/djsession/djsession/adapters/echo

go 1.26.0

require (
	github.com/djsession/djsession v0.0.0
	github.com/djsession/djsession/adapters/adaptertest v0.0.0
	github.com/labstack/echo/v4 v4.16.5
	modernc.org/sqlite v1.61.1
)

require (
	github.com/djsession/djsession/djangosession/dbstore v0.0.0 // indirect
	github.com/dustin/go-humanize v1.1.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/labstack/gommon v0.5.0 // indirect
	github.com/mattn/go-colorable v0.1.15 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/ncruces/go-strftime v1.1.0 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	github.com/valyala/fasttemplate v1.2.2 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	modernc.org/libc v1.79.0 // indirect
	modernc.org/mathutil v1.7.1 // indirect
	modernc.org/memory v1.12.1 // indirect
)

replace (
	github.com/djsession/djsession => ../..
	github.com/djsession/djsession/adapters/adaptertest => ../adaptertest
	github.com/djsession/djsession/djangosession/dbstore => ../../djangosession/dbstore
)
