package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
)

// lsColumns are the columns ls can show, in their default order.
var lsColumns = []string{"key", "expires", "status", "size", "user", "format", "serializer", "keys", "error"}

var defaultLsColumns = "key,expires,status,size,user,keys"

// lsOptions are the flags of "sessions ls".
type lsOptions struct {
	active, expired bool
	user            string
	keyPrefix       string
	columns         string
	format          string
}

func (e *sessionsEnv) newLsCmd() *cobra.Command {
	o := &lsOptions{}
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List sessions, one line each, streaming the table",
		Long: `List the sessions in the table in session_key order, streaming: memory
use does not grow with the table.

Each row is verified and decoded with SECRET_KEY (and its fallbacks). A row
that cannot be read is listed with its status, never stops the listing:

  ok             verified and decoded
  bad-signature  signed with a key not given (another SECRET_KEY) or altered
  corrupt        not session data, or verified but undecodable
  undecoded      verified, in a serializer this build cannot read

Columns: ` + strings.Join(lsColumns, ", ") + `.
Exit status 1 when no session matches.`,
		Example: `  djsession sessions ls --database-url sqlite:///testdata/sessions_db.sqlite3 \
      --secret-key-file testdata/sessions_db_secret_key.txt
  djsession sessions ls --active --user 8 --format jsonl
  djsession sessions ls --expired --columns key,expires,size --format csv
  djsession sessions ls --key-prefix abc --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.runLs(cmd, o) },
	}
	e.dbFlags(cmd)
	e.replicaFlag(cmd)
	e.secret.register(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.active, "active", false, "only sessions that have not expired")
	f.BoolVar(&o.expired, "expired", false, "only expired sessions")
	f.StringVar(&o.user, "user", "", "only sessions of this user id (_auth_user_id)")
	f.StringVar(&o.keyPrefix, "key-prefix", "", "only session keys starting with this")
	f.StringVar(&o.columns, "columns", defaultLsColumns, "comma-separated columns: "+strings.Join(lsColumns, ","))
	f.StringVar(&o.format, "format", "table", "output format: table, json, jsonl or csv")
	cmd.MarkFlagsMutuallyExclusive("active", "expired")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"table", "json", "jsonl", "csv"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("columns", cobra.FixedCompletions(lsColumns, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// lsRow is one listed session.
type lsRow struct {
	r   sessionRow
	v   verdict
	now time.Time
}

func (l lsRow) value(col string) any {
	switch col {
	case "key":
		return l.r.key
	case "expires":
		return l.r.expire.UTC().Format(time.RFC3339Nano)
	case "expired":
		return !l.r.expire.After(l.now)
	case "status":
		return l.v.status
	case "size":
		return l.r.size()
	case "user":
		if u := l.v.userID(); u != "" {
			return u
		}
		return nil
	case "format":
		return l.v.format
	case "serializer":
		return l.v.serializer
	case "keys":
		if l.v.data == nil {
			return []string{}
		}
		return l.v.data.Keys()
	case "error":
		if l.v.err == nil {
			return nil
		}
		return oneLine(l.v.err.Error())
	}
	return nil
}

func textValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "-"
	case string:
		if v == "" {
			return "-"
		}
		return escapeText(v)
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	case []string:
		if len(v) == 0 {
			return "-"
		}
		return escapeText(strings.Join(v, ","))
	}
	return escapeText(fmt.Sprint(v))
}

// column widths for the streamed table (fixed, so no row is held back).
var lsWidths = map[string]int{"key": 40, "expires": 27, "status": 13, "size": 7, "user": 8, "format": 7, "serializer": 10}

func parseColumns(s string, known []string) ([]string, error) {
	var cols []string
	for _, c := range strings.Split(s, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		ok := c == "expired"
		for _, k := range known {
			ok = ok || k == c
		}
		if !ok {
			return nil, usagef("unknown column %q (have %s)", c, strings.Join(known, ","))
		}
		cols = append(cols, c)
	}
	if len(cols) == 0 {
		return nil, usagef("no columns")
	}
	return cols, nil
}

// rowFormat turns listed rows into bytes in one output format. appendRow
// runs on the workers of eachClassified, so a format keeps no state
// between rows; the framing (header, separators, trailer) is written in
// row order by lsOutput.
type rowFormat interface {
	header() []byte
	appendRow(b []byte, r *lsRow) []byte
}

func newRowFormat(format string, cols []string) (rowFormat, error) {
	switch format {
	case "table":
		return tableFormat{cols: cols}, nil
	case "jsonl", "json":
		return jsonFormat{cols: cols, array: format == "json"}, nil
	case "csv":
		return csvFormat{cols: cols}, nil
	}
	return nil, usagef("unknown --format %q (table, json, jsonl or csv)", format)
}

type tableFormat struct{ cols []string }

func (t tableFormat) line(b []byte, cells []string) []byte {
	for i, c := range cells {
		if i == len(cells)-1 {
			b = append(b, c...)
			break
		}
		wd := lsWidths[t.cols[i]]
		if wd == 0 {
			wd = 8
		}
		b = append(b, c...)
		for n := utf8.RuneCountInString(c); n < wd; n++ {
			b = append(b, ' ')
		}
		b = append(b, ' ')
	}
	return append(b, '\n')
}

func (t tableFormat) header() []byte {
	h := make([]string, len(t.cols))
	for i, c := range t.cols {
		h[i] = strings.ToUpper(c)
	}
	return t.line(nil, h)
}

func (t tableFormat) appendRow(b []byte, r *lsRow) []byte {
	cells := make([]string, len(t.cols))
	for i, c := range t.cols {
		cells[i] = textValue(r.value(c))
	}
	return t.line(b, cells)
}

type jsonFormat struct {
	cols  []string
	array bool
}

func (j jsonFormat) header() []byte { return nil }

func (j jsonFormat) appendRow(b []byte, r *lsRow) []byte {
	b = append(b, '{')
	for i, c := range j.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, c)
		b = append(b, ':')
		switch c {
		case "key": // the common columns without boxing them in an any
			b = appendJSONString(b, r.r.key)
		case "expires":
			b = append(b, '"')
			b = r.r.expire.UTC().AppendFormat(b, time.RFC3339Nano)
			b = append(b, '"')
		case "status":
			b = appendJSONString(b, r.v.status)
		case "size":
			b = strconv.AppendInt(b, int64(r.r.size()), 10)
		default:
			b = appendJSONValue(b, r.value(c))
		}
	}
	if j.array {
		return append(b, '}')
	}
	return append(b, '}', '\n')
}

type csvFormat struct{ cols []string }

func (c csvFormat) record(b []byte, rec []string) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(rec) // a bytes.Buffer does not fail
	w.Flush()
	return append(b, buf.Bytes()...)
}

func (c csvFormat) header() []byte { return c.record(nil, c.cols) }

func (c csvFormat) appendRow(b []byte, r *lsRow) []byte {
	rec := make([]string, len(c.cols))
	for i, col := range c.cols {
		v := r.value(col)
		switch v := v.(type) {
		case nil:
			rec[i] = ""
		case []string:
			rec[i] = escapeText(strings.Join(v, " "))
		default:
			rec[i] = textValue(v)
			if rec[i] == "-" {
				rec[i] = ""
			}
		}
	}
	return c.record(b, rec)
}

// lsOutput writes formatted rows in order, with the format's framing.
type lsOutput struct {
	w     *bufio.Writer
	array bool
	n     int
}

func newLsOutput(w io.Writer, f rowFormat) *lsOutput {
	o := &lsOutput{w: bufio.NewWriterSize(w, 64<<10)}
	if j, ok := f.(jsonFormat); ok {
		o.array = j.array
	}
	o.w.Write(f.header())
	return o
}

func (o *lsOutput) write(row []byte) error {
	if o.array {
		if o.n == 0 {
			o.w.WriteString("[\n")
		} else {
			o.w.WriteString(",\n")
		}
	}
	o.n++
	_, err := o.w.Write(row)
	return err
}

func (o *lsOutput) close() error {
	if o.array {
		if o.n == 0 {
			o.w.WriteString("[")
		}
		o.w.WriteString("\n]\n")
	}
	return o.w.Flush()
}

var errNoSessions = errors.New("no session matched")

func (e *sessionsEnv) runLs(cmd *cobra.Command, o *lsOptions) error {
	cols, err := parseColumns(o.columns, lsColumns)
	if err != nil {
		return err
	}
	key, fallbacks, err := e.resolveKeys()
	if err != nil {
		return err
	}
	if _, err := newClassifier(key, fallbacks, e.className, false); err != nil {
		return err
	}
	format, err := newRowFormat(o.format, cols)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	db, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	now := e.now()
	n := 0
	f := rowFilter{active: o.active, expired: o.expired, now: now, keyPrefix: o.keyPrefix}
	newCl := func() (*classifier, error) { return newClassifier(key, fallbacks, e.className, false) }
	// the workers filter by user and format each row; this goroutine
	// writes them in order
	post := func(r *classifiedRow) {
		if o.user != "" && r.v.userID() != o.user {
			r.skip = true
			return
		}
		r.line = format.appendRow(nil, &lsRow{r: r.r, v: r.v, now: now})
	}
	w := newLsOutput(e.a.out, format)
	err = eachClassified(ctx, db, f, newCl, post, func(rows []classifiedRow) error {
		for i := range rows {
			if rows[i].skip {
				continue
			}
			n++
			if err := w.write(rows[i].line); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := w.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if n == 0 {
		return noMatch(errNoSessions)
	}
	return nil
}

// appendJSONValue appends v (a column value: nil, string, int, bool or
// []string) as encoding/json writes it.
func appendJSONValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case bool:
		return strconv.AppendBool(b, v)
	case []string:
		if v == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']')
	}
	j, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, j...)
}

// appendJSONString appends s quoted as encoding/json quotes it: HTML
// characters, U+2028 and U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
