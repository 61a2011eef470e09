package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A user is one browser: a cookie jar and a sequence of requests, each
// sent after the previous one answered, alternating between the Go and the
// Django routes behind nginx.
type user struct {
	name  string
	id    string // auth_user.id, as Django's whoami reports it
	front string
	c     *http.Client
	jar   http.CookieJar
	rng   *rand.Rand

	n     int64  // what the session's counter must hold
	v     string // what the session's "v" must hold ("" = unset)
	prevV string // what it held before

	// lagOK: reads may go to a replica that has not yet applied the
	// previous request's write (Django's RedisCache with several
	// LOCATIONs reads a random replica, with no read-your-writes).
	lagOK bool

	tally *tally
}

// tally counts what the users saw, for one phase of a run.
type tally struct {
	requests  atomic.Int64
	go5xx     atomic.Int64
	dj5xx     atomic.Int64
	lost      atomic.Int64 // a request after login saw no user, or a fresh session
	lag       atomic.Int64 // lagOK: a replica's old copy read (an older value, or a miss on Django's side)
	corrupt   atomic.Int64 // a value that is neither what was written nor a fresh session's
	otherErrs atomic.Int64 // transport errors, unexpected statuses

	mu    sync.Mutex
	msgs  []string
	kinds map[string]int
}

// note keeps the first three messages of each kind (the format).
func (t *tally) note(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.kinds == nil {
		t.kinds = map[string]int{}
	}
	t.kinds[format]++
	if t.kinds[format] <= 3 {
		t.msgs = append(t.msgs, fmt.Sprintf(format, args...))
	}
}

func (t *tally) String() string {
	return fmt.Sprintf("%d requests: %d lost sessions, %d corrupt values, %d replica-lag reads, %d Go 5xx, %d Django 5xx, %d other errors",
		t.requests.Load(), t.lost.Load(), t.corrupt.Load(), t.lag.Load(), t.go5xx.Load(), t.dj5xx.Load(), t.otherErrs.Load())
}

// clean reports whether nothing went wrong.
func (t *tally) clean() bool {
	return t.lost.Load()+t.corrupt.Load()+t.go5xx.Load()+t.dj5xx.Load()+t.otherErrs.Load() == 0
}

func newUser(front string, i int, tl *tally) *user {
	jar, _ := cookiejar.New(nil)
	return &user{name: "u" + strconv.Itoa(i), front: front, jar: jar, tally: tl,
		c:   &http.Client{Jar: jar, Timeout: 30 * time.Second},
		rng: rand.New(rand.NewPCG(uint64(i), 42))}
}

var errStatus = errors.New("unexpected status")

// do sends one request, with the CSRF cookie's value in X-CSRFToken as a
// JavaScript client would, and returns the body of a 200 answer.
func (u *user) do(ctx context.Context, method, path string, form url.Values) (string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u.front+path, body)
	if err != nil {
		return "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	base, _ := url.Parse(u.front)
	for _, c := range u.jar.Cookies(base) {
		if c.Name == "csrftoken" {
			req.Header.Set("X-CSRFToken", c.Value)
		}
	}
	u.tally.requests.Add(1)
	resp, err := u.c.Do(req)
	if err != nil {
		u.tally.otherErrs.Add(1)
		u.tally.note("%s %s %s (transport): %v", u.name, method, path, err)
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		switch {
		case resp.StatusCode >= 500 && strings.HasPrefix(path, "/go/"):
			u.tally.go5xx.Add(1)
		case resp.StatusCode >= 500:
			u.tally.dj5xx.Add(1)
		default:
			u.tally.otherErrs.Add(1)
		}
		if strings.HasPrefix(path, "/go/") {
			u.tally.note("%s %s %s (Go): %d %.80q", u.name, method, path, resp.StatusCode, b)
		} else {
			u.tally.note("%s %s %s (Django): %d %.80q", u.name, method, path, resp.StatusCode, b)
		}
		return "", fmt.Errorf("%w %d", errStatus, resp.StatusCode)
	}
	return string(b), nil
}

// fresh logs out on Django, whatever the session holds, and logs in again:
// Django's login keeps the data of a session already logged in to the same
// user, its logout flushes it.
func (u *user) fresh(ctx context.Context) error {
	if _, err := u.do(ctx, "GET", "/dj/token", nil); err != nil {
		return err
	}
	if _, err := u.do(ctx, "POST", "/dj/logout", url.Values{}); err != nil {
		return err
	}
	return u.login(ctx)
}

// login logs in through Django's login view, then reads its user id from
// Django and checks the Go side sees the same user. The session must have
// no data of its own (a new visitor, or just logged out).
func (u *user) login(ctx context.Context) error {
	tok, err := u.do(ctx, "GET", "/dj/token", nil)
	if err != nil {
		return err
	}
	if _, err := u.do(ctx, "POST", "/dj/login", url.Values{"username": {u.name}, "password": {"pw"}, "csrfmiddlewaretoken": {tok}}); err != nil {
		return err
	}
	u.n, u.v, u.prevV = 0, "", ""
	st, err := u.state(ctx, "/dj/whoami")
	if err != nil {
		return err
	}
	if st.User == nil {
		u.tally.lost.Add(1)
		u.tally.note("%s: anonymous right after login", u.name)
		return errLost
	}
	u.id = *st.User
	return u.check(ctx, "/go/session")
}

// logout logs out on side ("/go/" or "/dj/") and checks the other side
// sees it.
func (u *user) logout(ctx context.Context, side string) error {
	if _, err := u.do(ctx, "POST", side+"logout", url.Values{}); err != nil {
		return err
	}
	other := "/go/session"
	if side == "/go/" {
		other = "/dj/whoami"
	}
	st, err := u.state(ctx, other)
	if err != nil {
		return err
	}
	if st.User != nil || len(st.Session) != 0 {
		if u.lagOK {
			u.tally.lag.Add(1)
			return errLag
		}
		u.tally.corrupt.Add(1)
		u.tally.note("%s: %s after logout on %s: user %s session %v", u.name, other, side, show(st.User), st.Session)
		return errCorrupt
	}
	return nil
}

// state is a whoami answer: the Go side's user is the user id, Django's
// (testdata/http_django/djapp.py) is ID.
type state struct {
	User    *string
	ID      *string
	Session map[string]any
}

func (u *user) state(ctx context.Context, path string) (state, error) {
	var st state
	body, err := u.do(ctx, "GET", path, nil)
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		u.tally.corrupt.Add(1)
		u.tally.note("%s %s: %v in %.80q", u.name, path, err, body)
		return st, errCorrupt
	}
	if strings.HasPrefix(path, "/dj/") {
		st.User = st.ID
	}
	return st, nil
}

var (
	errLost    = errors.New("session lost")
	errCorrupt = errors.New("corrupt value")
	errLag     = errors.New("replica lag")
)

// check reads the session on path and compares it with what the user
// wrote.
func (u *user) check(ctx context.Context, path string) error {
	st, err := u.state(ctx, path)
	if err != nil {
		return err
	}
	if st.User == nil && u.lagOK && strings.HasPrefix(path, "/dj/") {
		// Django read a replica that has not got the session yet (a
		// login a moment ago): it starts an empty session.
		u.tally.lag.Add(1)
		return errLag
	}
	if st.User == nil || *st.User != u.id {
		u.tally.lost.Add(1)
		u.tally.note("%s %s: user %s, want %s", u.name, path, show(st.User), u.id)
		return errLost
	}
	n, _ := st.Session["n"].(float64)
	v, _ := st.Session["v"].(string)
	if int64(n) != u.n || v != u.v {
		if u.lagOK && (int64(n) == u.n || int64(n) == u.n-1) && (v == u.v || v == u.prevV) {
			u.tally.lag.Add(1)
			return errLag
		}
		u.tally.corrupt.Add(1)
		u.tally.note("%s %s: n=%v v=%q, want n=%d v=%q", u.name, path, st.Session["n"], v, u.n, u.v)
		return errCorrupt
	}
	return nil
}

// step sends the i-th request of the user's script.
func (u *user) step(ctx context.Context, i int) error {
	switch i % 8 {
	case 0, 1: // the counter, on Go then on Django
		side := [2]string{"/go/", "/dj/"}[i%2]
		body, err := u.do(ctx, "POST", side+"incr", url.Values{"k": {"n"}})
		if err != nil {
			return err
		}
		got, err := strconv.ParseInt(body, 10, 64)
		switch {
		case err != nil:
			u.tally.corrupt.Add(1)
			u.tally.note("%s %sincr: %.80q", u.name, side, body)
			return errCorrupt
		case got == u.n+1:
			u.n = got
			return nil
		case u.lagOK && (got == u.n || got == 1 && side == "/dj/"):
			// The increment read an older copy from a replica.
			u.tally.lag.Add(1)
			return errLag
		case got == 1:
			// A fresh, empty session: the user's was lost.
			u.tally.lost.Add(1)
			u.tally.note("%s %sincr: 1, want %d", u.name, side, u.n+1)
			return errLost
		default:
			u.tally.corrupt.Add(1)
			u.tally.note("%s %sincr: %d, want %d", u.name, side, got, u.n+1)
			return errCorrupt
		}
	case 2, 4: // set on one side...
		side := [2]string{"/go/", "/dj/"}[i%4/2]
		v := strconv.FormatUint(u.rng.Uint64(), 36)
		if _, err := u.do(ctx, "POST", side+"set", url.Values{"k": {"v"}, "v": {v}}); err != nil {
			return err
		}
		u.prevV, u.v = u.v, v
		return nil
	case 3: // ... read it on the other
		return u.check(ctx, "/dj/whoami")
	case 5:
		return u.check(ctx, "/go/session")
	case 6:
		return u.check(ctx, "/go/session")
	default:
		return u.check(ctx, "/dj/whoami")
	}
}

// run logs the user in and runs steps requests, logging out (alternately
// on either side) and in again every logoutEvery requests. In strict mode
// it stops at the first failure; otherwise (a node is down) it starts over
// with a new login after one, as a person would, and goes on until steps
// requests are done or stop is closed.
func (u *user) run(ctx context.Context, steps, logoutEvery int, strict bool, stop <-chan struct{}) error {
	resync := func() error {
		if strict && !u.lagOK {
			return u.fresh(ctx)
		}
		for try := 0; ; try++ {
			if err := u.fresh(ctx); err == nil {
				return nil
			} else if try == 50 || ctx.Err() != nil {
				return err
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if err := resync(); err != nil {
		return err
	}
	for i := 0; i < steps; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		var err error
		if logoutEvery > 0 && i%logoutEvery == logoutEvery-1 {
			if err = u.logout(ctx, [2]string{"/go/", "/dj/"}[i/logoutEvery%2]); err == nil {
				err = u.login(ctx)
			}
		} else {
			err = u.step(ctx, i)
		}
		if err == nil {
			continue
		}
		if strict && !errors.Is(err, errLag) || ctx.Err() != nil {
			return err
		}
		// Start over: whatever the session holds now, a new login.
		if err := resync(); err != nil {
			return err
		}
	}
	return nil
}

// runUsers runs every user concurrently and returns the first errors.
func runUsers(ctx context.Context, users []*user, steps, logoutEvery int, strict bool, stop <-chan struct{}) []error {
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := u.run(ctx, steps, logoutEvery, strict, stop); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", u.name, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errs
}

func show(id *string) string {
	if id == nil {
		return "<anonymous>"
	}
	return *id
}
