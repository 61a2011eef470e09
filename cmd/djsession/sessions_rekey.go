package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/signing"
	"github.com/spf13/cobra"
)

// envNewSecretKey is where rekey reads the new SECRET_KEY when no file is
// given.
const envNewSecretKey = "DJANGO_NEW_SECRET_KEY"

// resigner moves session_data from one set of keys to a new key at the
// signature level: the payload bytes (JSON or pickle, compressed or not)
// and the signing timestamp are kept exactly; only the signature changes.
// Verification is the library Codec's (Inspect tells the format).
type resigner struct {
	old, new  *djangosession.Codec
	newCur    *signing.Signer
	newLegacy *signing.SaltedKey
}

func newResigner(oldKeys []string, newKey, className string) (*resigner, error) {
	if className == "" {
		className = djangosession.DefaultClassName
	}
	r := &resigner{}
	var err error
	if r.old, err = djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: oldKeys[0], SecretKeyFallbacks: oldKeys[1:]}, ClassName: className, Serializer: sessionSerializer{}}); err != nil {
		return nil, err
	}
	if r.new, err = djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: newKey}, ClassName: className, Serializer: sessionSerializer{}}); err != nil {
		return nil, err
	}
	if r.newCur, err = signing.NewSigner(&signing.Options{Key: newKey, Salt: djangosession.KeySalt(className)}); err != nil {
		return nil, err
	}
	legacySalt := "django.contrib.sessions" + className[strings.LastIndexByte(className, '.')+1:]
	if r.newLegacy, err = signing.NewSaltedKey(signing.SHA1, legacySalt, newKey); err != nil {
		return nil, err
	}
	return r, nil
}

// Outcomes of resign.
const (
	resignDone    = "rekeyed"
	resignAlready = "already"
)

// resign returns data signed with the new key. outcome is resignDone, or
// resignAlready when it already verifies under the new key; an error
// (statusBadSig or statusCorrupt) when no old key verifies it.
func (r *resigner) resign(data string) (out, outcome string, err error) {
	if _, in, _ := r.new.Inspect(data); in.Verified && in.Format != djangosession.FormatLegacySHA1 {
		return data, resignAlready, nil
	}
	_, in, _ := r.old.Inspect(data)
	switch {
	case !in.Verified && wellFormed(data) != "":
		return "", "", errors.New(statusBadSig)
	case !in.Verified:
		return "", "", errors.New(statusCorrupt)
	case in.Format == djangosession.FormatLegacy:
		raw := hex.AppendEncode(nil, r.newLegacy.Sum(nil, in.Serialized))
		raw = append(append(raw, ':'), in.Serialized...)
		return base64.StdEncoding.EncodeToString(raw), resignDone, nil
	}
	// payload:timestamp signed anew (a SHA-1 signature becomes SHA-256)
	return r.newCur.Sign(data[:strings.LastIndexByte(data, ':')]), resignDone, nil
}

// rekeyState is what --state-file records after each committed batch.
type rekeyState struct {
	Table   string `json:"table"`
	LastKey string `json:"last_key"`
	Rekeyed int64  `json:"rekeyed"`
}

type rekeyResult struct {
	rekeyed, already, changed int64
	untouched                 []string // "key reason"
}

func (e *sessionsEnv) newRekeyCmd() *cobra.Command {
	var (
		newKeyFile string
		stateFile  string
		batch      int
		dryRun     bool
	)
	cmd := &cobra.Command{
		Use:   "rekey",
		Short: "Re-sign every session from the old SECRET_KEY to a new one",
		Long: `Re-sign the session_data of every row with a new SECRET_KEY, so sessions
survive a key rotation on Django releases without SECRET_KEY_FALLBACKS
(before 4.1), or so the old key can be dropped from the fallbacks.

The old key is SECRET_KEY as usual (--secret-key-file, $DJANGO_SECRET_KEY);
rows signed with any of its fallbacks are re-signed too. The new key comes
from --new-secret-key-file or $` + envNewSecretKey + `.

Only the signature changes: the payload (JSON or pickle, compressed or not)
and its timestamp are kept byte for byte, and legacy-format rows stay in the
legacy format. expire_date is not touched. A row that verifies under no old
key (corrupt, or from another project) is left untouched and reported.

Rows are processed in session_key order, --batch-size per transaction; a row
changed by the application meanwhile is skipped (it is written with whatever
key the application uses). The run is resumable: rows already signed with
the new key are recognised and skipped, and --state-file records the last
key of each committed batch (mode 0600; it holds a session key) so a rerun
starts after it.`,
		Example: `  djsession sessions rekey --database-url postgres://app@db/app \
      --secret-key-file old_key.txt --new-secret-key-file new_key.txt --dry-run
  djsession sessions rekey --secret-key-file old_key.txt --new-secret-key-file new_key.txt \
      --state-file rekey.state --batch-size 500`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if batch < 1 || batch > 100000 {
				return usagef("--batch-size must be between 1 and 100000")
			}
			oldKey, fallbacks, err := e.secret.resolve(e.a)
			if err != nil {
				return err
			}
			newKey := e.a.getenv(envNewSecretKey)
			if newKeyFile != "" {
				b, err := os.ReadFile(newKeyFile)
				if err != nil {
					return fmt.Errorf("reading new secret key file: %w", err)
				}
				newKey = strings.TrimRight(string(b), "\r\n")
			}
			if newKey == "" {
				return usagef("no new secret key: use --new-secret-key-file or set %s", envNewSecretKey)
			}
			if newKey == oldKey {
				return usagef("the new secret key is the current one")
			}
			rs, err := newResigner(append([]string{oldKey}, fallbacks...), newKey, e.className)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			db, err := e.openRewritable(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			after := ""
			if stateFile != "" {
				st, err := readRekeyState(stateFile)
				if err != nil {
					return err
				}
				if st != nil {
					if st.Table != e.table {
						return usagef("state file %s is for table %s, not %s", stateFile, st.Table, e.table)
					}
					after = st.LastKey
				}
			}
			total, err := db.count(ctx, rowFilter{after: after})
			if err != nil {
				return err
			}
			p := newProgress(e.a.errOut, "rekey", total)
			res, err := e.rekey(ctx, db, rs, after, batch, dryRun, stateFile, p)
			p.finish()
			verb := "rekeyed"
			if dryRun {
				verb = "would rekey"
			}
			for _, u := range res.untouched {
				fmt.Fprintf(e.a.out, "untouched %s\n", escapeText(u))
			}
			fmt.Fprintf(e.a.out, "%s %d sessions; %d already under the new key; %d left untouched; %d changed meanwhile\n",
				verb, res.rekeyed, res.already, len(res.untouched), res.changed)
			return err
		},
	}
	e.dbFlags(cmd)
	e.secret.register(cmd)
	f := cmd.Flags()
	f.StringVar(&newKeyFile, "new-secret-key-file", "", "read the new SECRET_KEY from this file (or $"+envNewSecretKey+")")
	f.StringVar(&stateFile, "state-file", "", "record progress here and resume after the last key it holds")
	f.IntVar(&batch, "batch-size", 500, "rows per transaction")
	f.BoolVar(&dryRun, "dry-run", false, "count, change nothing")
	return cmd
}

func (e *sessionsEnv) rekey(ctx context.Context, db sessionStore, rs *resigner, after string, batch int, dryRun bool, stateFile string, p *progress) (rekeyResult, error) {
	var res rekeyResult
	var seen int64
	for {
		var rows []sessionRow
		err := db.each(ctx, rowFilter{after: after, limit: batch}, func(r sessionRow) error {
			rows = append(rows, r)
			return nil
		})
		if err != nil {
			return res, err
		}
		if len(rows) == 0 {
			return res, nil
		}
		var changes []dataChange
		var untouched []string
		var already int64
		for _, r := range rows {
			out, outcome, err := rs.resign(r.data)
			switch {
			case err != nil:
				untouched = append(untouched, r.key+" "+err.Error())
			case outcome == resignAlready:
				already++
			default:
				changes = append(changes, dataChange{r.key, r.data, out})
			}
		}
		if dryRun {
			res.rekeyed += int64(len(changes))
		} else {
			done, changed, err := replaceData(ctx, db.records(), changes, int(res.rekeyed))
			res.rekeyed += done
			res.changed += changed
			if err != nil {
				return res, err
			}
		}
		seen += int64(len(rows))
		p.update(seen)
		res.already += already
		res.untouched = append(res.untouched, untouched...)
		after = rows[len(rows)-1].key
		if stateFile != "" && !dryRun {
			if err := writeRekeyState(stateFile, rekeyState{Table: e.table, LastKey: after, Rekeyed: res.rekeyed}); err != nil {
				return res, err
			}
		}
		if len(rows) < batch {
			return res, nil
		}
	}
}

func readRekeyState(path string) (*rekeyState, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading state file: %w", err)
	}
	var st rekeyState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	return &st, nil
}

// writeRekeyState replaces the state file atomically.
func writeRekeyState(path string, st rekeyState) error {
	b, _ := json.Marshal(st)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".rekey-state-*")
	if err != nil {
		return fmt.Errorf("writing state file: %w", err)
	}
	if err := tmp.Chmod(0o600); err == nil {
		_, err = tmp.Write(append(b, '\n'))
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing state file: %w", err)
	}
	return nil
}

// dataChange replaces a session's data, if it still holds old.
type dataChange struct{ key, old, new string }

// replaceData writes changes with the store's CompareAndSwap, keeping
// each session's expiry, in one batch where the store has them (a
// transaction on a database), and returns how many it changed and how
// many had changed meanwhile (left as the application wrote them). done
// counts the sessions changed by earlier batches, for the test hook.
func replaceData(ctx context.Context, w djangosession.RecordWriter, changes []dataChange, done int) (changed, skipped int64, err error) {
	err = djangosession.WriteRecords(ctx, w, func(w djangosession.RecordWriter) error {
		changed, skipped = 0, 0 // a batch may be run again
		for _, c := range changes {
			err := w.CompareAndSwap(ctx, []byte(c.old), djangosession.Record{Key: c.key, Data: []byte(c.new)})
			switch {
			case errors.Is(err, djangosession.ErrChanged):
				skipped++
				continue
			case err != nil:
				return err
			}
			changed++
			afterRow(ctx, done+int(changed))
		}
		return nil
	})
	if err == nil {
		return changed, skipped, nil
	}
	if _, batched := w.(djangosession.RecordBatcher); batched {
		changed, skipped = 0, 0
		if ctx.Err() != nil {
			return 0, 0, fmt.Errorf("interrupted, batch rolled back: %w", ctx.Err())
		}
		return 0, 0, fmt.Errorf("batch rolled back: %w", err)
	}
	if ctx.Err() != nil {
		return changed, skipped, fmt.Errorf("interrupted: %w", ctx.Err())
	}
	return changed, skipped, err
}
