package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

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
		return v
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	case []string:
		if len(v) == 0 {
			return "-"
		}
		return strings.Join(v, ",")
	}
	return fmt.Sprint(v)
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

// rowWriter writes listed rows in one format.
type rowWriter interface {
	write(lsRow) error
	close() error
}

func newRowWriter(w io.Writer, format string, cols []string) (rowWriter, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	switch format {
	case "table":
		t := &tableWriter{w: bw, cols: cols}
		return t, t.header()
	case "jsonl":
		return &jsonWriter{w: bw, cols: cols}, nil
	case "json":
		return &jsonWriter{w: bw, cols: cols, array: true}, nil
	case "csv":
		c := &csvWriter{w: csv.NewWriter(bw), bw: bw, cols: cols}
		return c, c.w.Write(cols)
	}
	return nil, usagef("unknown --format %q (table, json, jsonl or csv)", format)
}

type tableWriter struct {
	w    *bufio.Writer
	cols []string
}

func (t *tableWriter) line(cells []string) error {
	for i, c := range cells {
		if i == len(cells)-1 {
			t.w.WriteString(c)
			break
		}
		wd := lsWidths[t.cols[i]]
		if wd == 0 {
			wd = 8
		}
		fmt.Fprintf(t.w, "%-*s ", wd, c)
	}
	_, err := t.w.WriteString("\n")
	return err
}

func (t *tableWriter) header() error {
	h := make([]string, len(t.cols))
	for i, c := range t.cols {
		h[i] = strings.ToUpper(c)
	}
	return t.line(h)
}

func (t *tableWriter) write(r lsRow) error {
	cells := make([]string, len(t.cols))
	for i, c := range t.cols {
		cells[i] = textValue(r.value(c))
	}
	return t.line(cells)
}

func (t *tableWriter) close() error { return t.w.Flush() }

type jsonWriter struct {
	w     *bufio.Writer
	cols  []string
	array bool
	n     int
}

func (j *jsonWriter) write(r lsRow) error {
	if j.array {
		if j.n == 0 {
			j.w.WriteString("[\n")
		} else {
			j.w.WriteString(",\n")
		}
	}
	j.n++
	j.w.WriteByte('{')
	for i, c := range j.cols {
		if i > 0 {
			j.w.WriteByte(',')
		}
		k, _ := json.Marshal(c)
		v, err := json.Marshal(r.value(c))
		if err != nil {
			return err
		}
		j.w.Write(k)
		j.w.WriteByte(':')
		j.w.Write(v)
	}
	j.w.WriteByte('}')
	if !j.array {
		j.w.WriteByte('\n')
	}
	return nil
}

func (j *jsonWriter) close() error {
	if j.array {
		if j.n == 0 {
			j.w.WriteString("[")
		}
		j.w.WriteString("\n]\n")
	}
	return j.w.Flush()
}

type csvWriter struct {
	w    *csv.Writer
	bw   *bufio.Writer
	cols []string
}

func (c *csvWriter) write(r lsRow) error {
	rec := make([]string, len(c.cols))
	for i, col := range c.cols {
		v := r.value(col)
		switch v := v.(type) {
		case nil:
			rec[i] = ""
		case []string:
			rec[i] = strings.Join(v, " ")
		default:
			rec[i] = textValue(v)
			if rec[i] == "-" {
				rec[i] = ""
			}
		}
	}
	return c.w.Write(rec)
}

func (c *csvWriter) close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
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
	cl, err := newClassifier(key, fallbacks, e.className, false)
	if err != nil {
		return err
	}
	w, err := newRowWriter(e.a.out, o.format, cols)
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
	err = db.each(ctx, rowFilter{active: o.active, expired: o.expired, now: now, keyPrefix: o.keyPrefix}, func(r sessionRow) error {
		v := cl.classifyRow(r)
		if o.user != "" && v.userID() != o.user {
			return nil
		}
		n++
		return w.write(lsRow{r: r, v: v, now: now})
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
