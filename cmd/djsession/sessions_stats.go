package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/spf13/cobra"
)

// sizeBuckets are the upper bounds (bytes of session_data) of the size
// distribution; the last bucket is open.
var sizeBuckets = []int{128, 512, 1 << 10, 4 << 10, 16 << 10, 64 << 10}

// sessionStats is what "sessions stats" reports. Memory is bounded by the
// number of distinct users, not of sessions.
type sessionStats struct {
	Total      int64            `json:"total"`
	Active     int64            `json:"active"`
	Expired    int64            `json:"expired"`
	Status     map[string]int64 `json:"status"`
	Format     map[string]int64 `json:"format"`
	Serializer map[string]int64 `json:"serializer"`
	Fallback   int64            `json:"verified_with_fallback_key"`
	Size       struct {
		Total   int64      `json:"total_bytes"`
		Min     int        `json:"min"`
		Max     int        `json:"max"`
		Mean    float64    `json:"mean"`
		Buckets []sizeBand `json:"distribution"`
	} `json:"size"`
	Users struct {
		Anonymous     int64       `json:"anonymous_sessions"`
		Authenticated int64       `json:"authenticated_sessions"`
		Distinct      int         `json:"distinct_users"`
		MaxPerUser    int64       `json:"max_sessions_per_user"`
		Top           []userCount `json:"top"`
		PerUserHist   []perUser   `json:"users_by_session_count"`
	} `json:"users"`
	perUser map[string]int64
}

type sizeBand struct {
	UpTo  string `json:"up_to"`
	Count int64  `json:"count"`
}

type userCount struct {
	User     string `json:"user"`
	Sessions int64  `json:"sessions"`
}

type perUser struct {
	Sessions int64 `json:"sessions"`
	Users    int64 `json:"users"`
}

func newSessionStats() *sessionStats {
	s := &sessionStats{Status: map[string]int64{}, Format: map[string]int64{}, Serializer: map[string]int64{}, perUser: map[string]int64{}}
	for _, b := range sizeBuckets {
		s.Size.Buckets = append(s.Size.Buckets, sizeBand{UpTo: strconv.Itoa(b)})
	}
	s.Size.Buckets = append(s.Size.Buckets, sizeBand{UpTo: "more"})
	return s
}

func (s *sessionStats) add(r sessionRow, v verdict, active bool) {
	s.Total++
	if active {
		s.Active++
	} else {
		s.Expired++
	}
	s.Status[v.status]++
	if v.format != "" {
		s.Format[v.format]++
	}
	if v.serializer != "" {
		s.Serializer[v.serializer]++
	}
	if v.verified && v.keyIndex > 0 {
		s.Fallback++
	}
	n := r.size()
	s.Size.Total += int64(n)
	if s.Total == 1 || n < s.Size.Min {
		s.Size.Min = n
	}
	if n > s.Size.Max {
		s.Size.Max = n
	}
	i := sort.SearchInts(sizeBuckets, n)
	s.Size.Buckets[i].Count++
	if u := v.userID(); u != "" {
		s.Users.Authenticated++
		s.perUser[u]++
	} else if v.status == statusOK {
		s.Users.Anonymous++
	}
}

func (s *sessionStats) finish(top int) {
	if s.Total > 0 {
		s.Size.Mean = float64(s.Size.Total) / float64(s.Total)
	}
	s.Users.Distinct = len(s.perUser)
	hist := map[int64]int64{}
	for u, c := range s.perUser {
		hist[c]++
		if c > s.Users.MaxPerUser {
			s.Users.MaxPerUser = c
		}
		s.Users.Top = append(s.Users.Top, userCount{u, c})
	}
	sort.Slice(s.Users.Top, func(i, j int) bool {
		a, b := s.Users.Top[i], s.Users.Top[j]
		if a.Sessions != b.Sessions {
			return a.Sessions > b.Sessions
		}
		return a.User < b.User
	})
	if len(s.Users.Top) > top {
		s.Users.Top = s.Users.Top[:top]
	}
	for c, n := range hist {
		s.Users.PerUserHist = append(s.Users.PerUserHist, perUser{c, n})
	}
	sort.Slice(s.Users.PerUserHist, func(i, j int) bool { return s.Users.PerUserHist[i].Sessions < s.Users.PerUserHist[j].Sessions })
	if s.Users.Top == nil {
		s.Users.Top = []userCount{}
	}
	if s.Users.PerUserHist == nil {
		s.Users.PerUserHist = []perUser{}
	}
}

func (e *sessionsEnv) newStatsCmd() *cobra.Command {
	var format string
	var top int
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Count sessions: active and expired, by status, format, serializer, size and user",
		Long: `Read the whole table once, streaming, and report: totals, active and
expired sessions, rows that do not verify or decode, the formats (current,
legacy) and serializers (json, pickle) in use, the size distribution of
session_data and the sessions per user (_auth_user_id).

Exit status 1 when the table is empty.`,
		Example: `  djsession sessions stats --database-url sqlite:///testdata/sessions_db.sqlite3 \
      --secret-key-file testdata/sessions_db_secret_key.txt
  djsession sessions stats --format json --top 20`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return usagef("unknown --format %q (text or json)", format)
			}
			key, fallbacks, err := e.resolveKeys()
			if err != nil {
				return err
			}
			newCl := func() (*classifier, error) { return newClassifier(key, fallbacks, e.className, false) }
			if _, err := newCl(); err != nil {
				return err
			}
			ctx := cmd.Context()
			db, err := e.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			now := e.now()
			st := newSessionStats()
			err = eachClassified(ctx, db, rowFilter{}, newCl, nil, func(rows []classifiedRow) error {
				for _, r := range rows {
					st.add(r.r, r.v, r.r.expire.After(now))
				}
				return nil
			})
			if err != nil {
				return err
			}
			st.finish(top)
			if format == "json" {
				b, err := json.MarshalIndent(st, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintf(e.a.out, "%s\n", b)
			} else {
				st.writeText(e.a.out)
			}
			if st.Total == 0 {
				return noMatch(errNoSessions)
			}
			return nil
		},
	}
	e.dbFlags(cmd)
	e.replicaFlag(cmd)
	e.secret.register(cmd)
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().IntVar(&top, "top", 10, "how many users with the most sessions to list")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func sortedCounts(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return out
}

func (s *sessionStats) writeText(w0 interface{ Write([]byte) (int, error) }) {
	w := bufio.NewWriter(w0)
	defer w.Flush()
	fmt.Fprintf(w, "sessions     %d (active %d, expired %d)\n", s.Total, s.Active, s.Expired)
	fmt.Fprintf(w, "status       %s\n", joinOr(sortedCounts(s.Status)))
	fmt.Fprintf(w, "format       %s\n", joinOr(sortedCounts(s.Format)))
	fmt.Fprintf(w, "serializer   %s\n", joinOr(sortedCounts(s.Serializer)))
	if s.Fallback > 0 {
		fmt.Fprintf(w, "fallback key %d sessions verified only with a fallback key\n", s.Fallback)
	}
	fmt.Fprintf(w, "size         total %d bytes, min %d, mean %.0f, max %d\n", s.Size.Total, s.Size.Min, s.Size.Mean, s.Size.Max)
	lo := 0
	for i, b := range s.Size.Buckets {
		if i < len(sizeBuckets) {
			fmt.Fprintf(w, "  %6d-%-6d %d\n", lo, sizeBuckets[i], b.Count)
			lo = sizeBuckets[i] + 1
		} else {
			fmt.Fprintf(w, "  %6d+       %d\n", lo, b.Count)
		}
	}
	fmt.Fprintf(w, "users        %d distinct, %d authenticated sessions, %d anonymous, at most %d per user\n",
		s.Users.Distinct, s.Users.Authenticated, s.Users.Anonymous, s.Users.MaxPerUser)
	for _, h := range s.Users.PerUserHist {
		fmt.Fprintf(w, "  %d users with %d sessions\n", h.Users, h.Sessions)
	}
	if len(s.Users.Top) > 0 {
		fmt.Fprintf(w, "top users   ")
		for _, u := range s.Users.Top {
			fmt.Fprintf(w, " %s:%d", escapeText(u.User), u.Sessions)
		}
		fmt.Fprintln(w)
	}
}

func joinOr(parts []string) string {
	if len(parts) == 0 {
		return "-"
	}
	out := parts[0]
	for _, p := range parts[1:] {
		out += ", " + p
	}
	return out
}
