package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
	"github.com/spf13/cobra"
)

func (e *sessionsEnv) newShowCmd() *cobra.Command {
	var noVerify bool
	cmd := &cobra.Command{
		Use:   "show KEY",
		Short: "Show one session: its expiry and decoded data",
		Long: `Show the session stored under KEY as JSON: expiry, format, serializer and
the decoded session dict.

Exit status 1 when there is no such session, or when its data does not
verify under SECRET_KEY or its fallbacks (with --no-verify, the payload is
then shown anyway, marked "verified": false).`,
		Example: `  djsession sessions show uxq3oedd48d90pl2bt91bp8y450m95a5 \
      --database-url sqlite:///testdata/sessions_db.sqlite3 \
      --secret-key-file testdata/sessions_db_secret_key.txt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, fallbacks, err := e.resolveKeys()
			if err != nil {
				return err
			}
			cl, err := newClassifier(key, fallbacks, e.className, false)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			db, err := e.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			var found *sessionRow
			err = db.each(ctx, rowFilter{key: args[0]}, func(r sessionRow) error {
				found = &r
				return nil
			})
			if err != nil {
				return err
			}
			if found == nil {
				return noMatch(fmt.Errorf("no session %q", args[0]))
			}
			v := cl.classifyRow(*found)
			now := e.now()
			extra := []field{
				{"key", found.key},
				{"expire_date", found.expire.UTC().Format(time.RFC3339Nano)},
				{"expired", !found.expire.After(now)},
				{"size", found.size()},
			}
			if found.cache != nil {
				// a cache engine's value: a pickle with no signature
				extra = append(extra, field{"signed", false})
			}
			return e.report(v, noVerify, cl, found.data, extra)
		},
	}
	e.dbFlags(cmd)
	e.replicaFlag(cmd)
	e.secret.register(cmd)
	cmd.Flags().BoolVar(&noVerify, "no-verify", false, "show the payload of data that does not verify, marked unverified")
	return cmd
}

func (e *sessionsEnv) newDecodeCmd() *cobra.Command {
	var noVerify bool
	var hashing string
	cmd := &cobra.Command{
		Use:   "decode VALUE|-",
		Short: "Decode a session_data value or a signed_cookies session cookie",
		Long: `Decode VALUE (or standard input for "-"): a session_data value as the db,
cached_db and file engines store it (current or legacy format), or the
value of a sessionid cookie of the signed_cookies engine.

The output is JSON with "verified": true when the signature checked out
under SECRET_KEY or one of its fallbacks. A signed_cookies value older than
--cookie-age (SESSION_COOKIE_AGE) is reported expired, as Django rejects it.
A project on Django 3.1-3.2 with DEFAULT_HASHING_ALGORITHM = 'sha1' signed
its values with HMAC-SHA1: pass --default-hashing-algorithm sha1.
Exit status 1 when it did not verify or has expired; with
--no-verify the payload is still shown, marked "verified": false, and a
warning goes to stderr.`,
		Example: `  djsession sessions decode --secret-key-file testdata/demo/secret_key.txt - < testdata/demo/session_data.txt
  djsession sessions decode --no-verify 'eyJhIjoxfQ:1r31eq:...'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			value := args[0]
			if value == "-" {
				var err error
				if value, err = readInput(e.a.in, "standard input"); err != nil {
					return err
				}
			}
			value = strings.TrimSpace(value)
			key, fallbacks, err := e.secret.resolve(e.a)
			if err != nil {
				if !noVerify || !errors.Is(err, errNoSecret) {
					return err
				}
				key = "\x00unverified" // nothing will verify
			}
			if hashing != "sha256" && hashing != "sha1" {
				return usagef("--default-hashing-algorithm %q: sha256 or sha1", hashing)
			}
			cl, err := newClassifierAlg(key, fallbacks, e.className, true, hashing == "sha1")
			if err != nil {
				return err
			}
			head := []field{{"kind", "session_data"}}
			v := cl.classify(value)
			if !v.verified && looksCurrent(value) {
				if cv := cl.classifyCookie(value); cv.verified {
					v, head[0].value = cv, "signed_cookie"
					// the signed_cookies engine loads with
					// max_age=SESSION_COOKIE_AGE: an older cookie is a
					// SignatureExpired, so an empty session
					expired := e.now().Sub(v.signedAt) > e.cookieAge
					head = append(head, field{"cookie_expired", expired})
					if expired && v.status == statusOK {
						v.status, v.err = statusExpired, fmt.Errorf("signed %s ago, SESSION_COOKIE_AGE is %s", e.now().Sub(v.signedAt).Round(time.Second), e.cookieAge)
					}
				}
			}
			return e.report(v, noVerify, cl, value, head)
		},
	}
	e.classFlag(cmd)
	e.secret.register(cmd)
	cmd.Flags().BoolVar(&noVerify, "no-verify", false, "show the payload of data that does not verify, marked unverified")
	cmd.Flags().DurationVar(&e.cookieAge, "cookie-age", djangosession.DefaultCookieAge, "SESSION_COOKIE_AGE: a signed_cookies session older than this is expired")
	cmd.Flags().StringVar(&hashing, "default-hashing-algorithm", "sha256", "DEFAULT_HASHING_ALGORITHM of Django 3.1-3.2: sha1 also accepts values signed with HMAC-SHA1")
	_ = cmd.RegisterFlagCompletionFunc("default-hashing-algorithm", cobra.FixedCompletions([]string{"sha256", "sha1"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// field is one member of an ordered JSON object.
type field struct {
	name  string
	value any
}

// report prints the verdict on value as an indented JSON object.
func (e *sessionsEnv) report(v verdict, noVerify bool, cl *classifier, value string, head []field) error {
	shown := v
	unverified := !v.verified && noVerify
	if unverified {
		shown = cl.unverified(value)
	}
	fields := append(head,
		field{"verified", v.verified},
		field{"status", v.status},
		field{"format", shown.format},
		field{"serializer", shown.serializer},
	)
	if v.verified && v.keyIndex > 0 {
		fields = append(fields, field{"verified_with", fmt.Sprintf("fallback key %d", v.keyIndex)})
	}
	if !v.signedAt.IsZero() {
		fields = append(fields, field{"signed_at", v.signedAt.UTC().Format(time.RFC3339)})
	}
	if v.err != nil {
		fields = append(fields, field{"error", oneLine(v.err.Error())})
	}
	if unverified && shown.err != nil {
		fields = append(fields, field{"payload_error", oneLine(shown.err.Error())})
	}
	if shown.data != nil && (v.verified || unverified) {
		fields = append(fields, field{"data", shown.data})
	}
	out, err := marshalFields(fields)
	if err != nil {
		return err
	}
	if unverified {
		fmt.Fprintln(e.a.errOut, "djsession: WARNING: signature NOT verified: the data below may be forged")
	}
	if _, err := e.a.out.Write(out); err != nil {
		return err
	}
	switch {
	case v.status == statusOK:
		return nil
	case !v.verified || v.status == statusExpired:
		return noMatch(fmt.Errorf("%s: %s", v.status, errText(v.err)))
	default:
		return fmt.Errorf("%s: %s", v.status, errText(v.err))
	}
}

func errText(err error) string {
	if err == nil {
		return "unknown"
	}
	return oneLine(err.Error())
}

// marshalFields writes fields as an indented JSON object; session dicts are
// written with Python's JSON rules (big integers exact, key order kept).
func marshalFields(fields []field) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.name)
		b.Write(k)
		b.WriteByte(':')
		var v []byte
		var err error
		if o, ok := f.value.(*pyjson.Object); ok {
			v, err = pyjson.Marshal(o)
		} else {
			v, err = json.Marshal(f.value)
		}
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		// NaN or Infinity from Python: keep the compact form
		b.WriteByte('\n')
		return b.Bytes(), nil
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
