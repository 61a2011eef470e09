package main

import (
	"context"
	"fmt"

	"github.com/djsession/djsession/django"
	"github.com/djsession/djsession/djangosession"
	"github.com/spf13/cobra"
)

func (e *sessionsEnv) newConvertCmd() *cobra.Command {
	var (
		serializer    string
		includeLegacy bool
		batch         int
		dryRun        bool
	)
	cmd := &cobra.Command{
		Use:   "convert --serializer json",
		Short: "Rewrite pickle-serialized sessions as JSON (before upgrading to Django 5)",
		Long: `Rewrite the sessions written with SESSION_SERIALIZER = PickleSerializer in
the JSON serializer's format, signed with SECRET_KEY, so that they survive an
upgrade to Django 5.0 (which removed PickleSerializer). Run it after
switching the project to the JSONSerializer, as sessions saved meanwhile
under pickle would otherwise stay pickled.

Plain values convert: dict, list, str, int, float, bool, None; a tuple
becomes a list, as the JSON serializer would store it. A session holding
anything else (a datetime, a set, bytes, a model instance) cannot be
converted: it is reported and left untouched, as are rows that do not verify
under SECRET_KEY or its fallbacks. With --include-legacy, JSON sessions in
the pre-3.1 legacy format (which Django 4.0 and later cannot read) are
rewritten in the current format too. expire_date is kept.

Exit status 1 when some pickled session could not be converted.`,
		Example: `  djsession sessions convert --serializer json --dry-run \
      --database-url sqlite:///testdata/sessions_db.sqlite3 --secret-key-file testdata/sessions_db_secret_key.txt
  djsession sessions convert --serializer json --include-legacy --database-url postgres://app@db/app`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if serializer != serJSON {
				return usagef("--serializer json is the only target (Django 5 has no other)")
			}
			if batch < 1 || batch > 100000 {
				return usagef("--batch-size must be between 1 and 100000")
			}
			key, fallbacks, err := e.secret.resolve(e.a)
			if err != nil {
				return err
			}
			cl, err := newClassifier(key, fallbacks, e.className, false)
			if err != nil {
				return err
			}
			codec, err := djangosession.NewCodec(&djangosession.CodecOptions{Settings: django.Settings{SecretKey: key}, ClassName: e.className})
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			db, err := e.openRewritable(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			total, err := db.count(ctx, rowFilter{})
			if err != nil {
				return err
			}
			p := newProgress(e.a.errOut, "convert", total)
			res, err := e.convert(ctx, db, cl, codec, includeLegacy, batch, dryRun, p)
			p.finish()
			for _, u := range res.untouched {
				fmt.Fprintf(e.a.out, "not converted %s\n", escapeText(u))
			}
			verb := "converted"
			if dryRun {
				verb = "would convert"
			}
			fmt.Fprintf(e.a.out, "%s %d sessions to JSON (of %d pickle, %d legacy); %d not converted; %d changed meanwhile\n",
				verb, res.converted, res.pickle, res.legacy, len(res.untouched), res.changed)
			if err != nil {
				return err
			}
			if res.pickleLeft > 0 {
				return noMatch(fmt.Errorf("%d pickled sessions could not be converted", res.pickleLeft))
			}
			return nil
		},
	}
	e.dbFlags(cmd)
	e.secret.register(cmd)
	f := cmd.Flags()
	f.StringVar(&serializer, "serializer", "", "target serializer: json")
	f.BoolVar(&includeLegacy, "include-legacy", false, "also rewrite legacy-format JSON sessions in the current format")
	f.IntVar(&batch, "batch-size", 500, "rows per transaction")
	f.BoolVar(&dryRun, "dry-run", false, "report, change nothing")
	_ = cmd.MarkFlagRequired("serializer")
	_ = cmd.RegisterFlagCompletionFunc("serializer", cobra.FixedCompletions([]string{serJSON}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

type convertResult struct {
	converted      int64    // rows rewritten (or to rewrite, in a dry run)
	pickle, legacy int64    // rows found to convert
	changed        int64    // rows the application changed meanwhile (skipped)
	pickleLeft     int64    // pickled rows that cannot be converted
	untouched      []string // "key reason"
}

func (e *sessionsEnv) convert(ctx context.Context, db sessionStore, cl *classifier, codec *djangosession.Codec, includeLegacy bool, batch int, dryRun bool, p *progress) (convertResult, error) {
	var res convertResult
	var seen int64
	after := ""
	for {
		var rows []sessionRow
		err := db.each(ctx, rowFilter{after: after, limit: batch}, func(r sessionRow) error {
			rows = append(rows, r)
			return nil
		})
		if err != nil || len(rows) == 0 {
			return res, err
		}
		var changes []dataChange
		var pickle, legacy int64
		for _, r := range rows {
			v := cl.classifyRow(r)
			isPickle := v.serializer == serPickle
			if !isPickle && !(includeLegacy && v.format == formatLegacy && v.serializer == serJSON) {
				if !v.verified && v.status == statusBadSig && looksPickleRow(cl, r.data) {
					res.untouched = append(res.untouched, r.key+" "+v.status)
				}
				continue
			}
			if isPickle {
				pickle++
			} else {
				legacy++
			}
			if v.status != statusOK {
				if isPickle {
					res.pickleLeft++
				}
				res.untouched = append(res.untouched, r.key+" "+v.status+": "+errText(v.err))
				continue
			}
			out, err := codec.Encode(v.data)
			if err != nil {
				if isPickle {
					res.pickleLeft++
				}
				res.untouched = append(res.untouched, r.key+" "+errText(err))
				continue
			}
			changes = append(changes, dataChange{r.key, r.data, out})
		}
		if dryRun {
			res.converted += int64(len(changes))
		} else {
			done, changed, err := replaceData(ctx, db.records(), changes, int(res.converted))
			res.converted += done
			res.changed += changed
			if err != nil {
				return res, err
			}
		}
		res.pickle += pickle
		res.legacy += legacy
		seen += int64(len(rows))
		p.update(seen)
		after = rows[len(rows)-1].key
		if len(rows) < batch {
			return res, nil
		}
	}
}

// looksPickleRow reports whether unverifiable data carries a pickle (shown
// without trusting it), so convert can report pickled rows it cannot sign.
func looksPickleRow(cl *classifier, data string) bool {
	u := cl.unverified(data)
	return u.serializer == serPickle
}
