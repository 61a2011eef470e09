package testenv

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// ChromiumPath returns DJ_TEST_CHROMIUM, the headless Chromium binary the
// browser tests drive, or skips the test.
func ChromiumPath(t testing.TB) string {
	t.Helper()
	return Need(t, "DJ_TEST_CHROMIUM", "headless Chromium")
}

// Browser is one headless Chromium with a profile of its own (user data
// directory, cookie jar) and one tab, driven over the DevTools protocol
// through a pipe (--remote-debugging-pipe: commands on the browser's fd 3,
// answers and events on its fd 4, each message a JSON object ended by a
// NUL byte). It is stopped when the test ends.
type Browser struct {
	w       *os.File
	session string // the tab's flat session id

	mu      sync.Mutex
	next    int
	pending map[int]chan cdpMessage
	loads   chan struct{} // one per Page.loadEventFired of the tab
	closed  chan struct{}
}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    any             `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// NewBrowser starts chromium (a path, see ChromiumPath) with a fresh
// profile and attaches to its tab; name labels its output in failures.
func NewBrowser(t *testing.T, chromium, name string) *Browser {
	t.Helper()
	toChrome, ourW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ourR, fromChrome, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions",
		"--disable-background-networking", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toChrome, fromChrome} // fd 3 and fd 4
	launch(t, "chromium "+name, cmd)
	toChrome.Close()
	fromChrome.Close()
	b := &Browser{w: ourW, pending: map[int]chan cdpMessage{},
		loads: make(chan struct{}, 16), closed: make(chan struct{})}
	go b.read(ourR)
	t.Cleanup(func() { ourW.Close() })

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var page string // the tab's target id
	for page == "" {
		var targets struct {
			TargetInfos []struct {
				TargetID string `json:"targetId"`
				Type     string `json:"type"`
			} `json:"targetInfos"`
		}
		if err := b.call(ctx, "", "Target.getTargets", nil, &targets); err != nil {
			t.Fatalf("chromium %s: %v", name, err)
		}
		for _, ti := range targets.TargetInfos {
			if ti.Type == "page" {
				page = ti.TargetID
				break
			}
		}
		if page == "" {
			time.Sleep(50 * time.Millisecond)
		}
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": page, "flatten": true}, &att); err != nil {
		t.Fatalf("chromium %s: attach: %v", name, err)
	}
	b.session = att.SessionID
	if err := b.call(ctx, b.session, "Page.enable", nil, nil); err != nil {
		t.Fatalf("chromium %s: %v", name, err)
	}
	return b
}

// read hands each answer to its caller and counts the tab's loads.
func (b *Browser) read(r *os.File) {
	defer close(b.closed)
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMessage
		if json.Unmarshal(line[:len(line)-1], &m) != nil {
			continue
		}
		if m.ID != 0 {
			b.mu.Lock()
			ch := b.pending[m.ID]
			delete(b.pending, m.ID)
			b.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		if m.Method == "Page.loadEventFired" && m.SessionID == b.session {
			select {
			case b.loads <- struct{}{}:
			default:
			}
		}
	}
}

// call sends one DevTools command and decodes its result into out (when
// not nil).
func (b *Browser) call(ctx context.Context, session, method string, params, out any) error {
	b.mu.Lock()
	b.next++
	id := b.next
	ch := make(chan cdpMessage, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	msg, err := json.Marshal(cdpMessage{ID: id, SessionID: session, Method: method, Params: params})
	if err != nil {
		return err
	}
	if _, err := b.w.Write(append(msg, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-b.closed:
		return fmt.Errorf("%s: chromium exited", method)
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// Eval runs the JavaScript expression js in the tab (awaiting it when it
// is a promise) and decodes its value into out (when not nil).
func (b *Browser) Eval(ctx context.Context, js string, out any) error {
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := b.call(ctx, b.session, "Runtime.evaluate", map[string]any{
		"expression": js, "awaitPromise": true, "returnByValue": true}, &res)
	if err != nil {
		return err
	}
	if e := res.ExceptionDetails; e != nil {
		return fmt.Errorf("%s: %s", e.Text, e.Exception.Description)
	}
	if out != nil && res.Result.Value != nil {
		return json.Unmarshal(res.Result.Value, out)
	}
	return nil
}

// Open loads url in the tab, following redirects, and waits for its load
// event.
func (b *Browser) Open(ctx context.Context, url string) error {
	b.drainLoads()
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := b.call(ctx, b.session, "Page.navigate", map[string]any{"url": url}, &nav); err != nil {
		return err
	}
	if nav.ErrorText != "" {
		return fmt.Errorf("open %s: %s", url, nav.ErrorText)
	}
	return b.waitLoad(ctx)
}

// Submit fills the form that holds the element matching selector, as a
// user types: for each name in fields, the form's input of that name gets
// the value (a checkbox is ticked when the value is "on", cleared when
// ""). Then it clicks the element (a submit button) and waits for the page
// the submission leads to.
func (b *Browser) Submit(ctx context.Context, selector string, fields map[string]string) error {
	b.drainLoads()
	if fields == nil {
		fields = map[string]string{}
	}
	f, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	sel, _ := json.Marshal(selector)
	js := `(() => {
  const button = document.querySelector(` + string(sel) + `);
  if (!button || !button.form) throw new Error("no form button " + ` + string(sel) + ` + " on " + location.href);
  for (const [name, value] of Object.entries(` + string(f) + `)) {
    const input = button.form.elements.namedItem(name);
    if (!input) throw new Error("no field " + name + " on " + location.href);
    if (input.type === "checkbox") input.checked = value === "on";
    else input.value = value;
    input.dispatchEvent(new Event("input", {bubbles: true}));
    input.dispatchEvent(new Event("change", {bubbles: true}));
  }
  button.click();
})()`
	if err := b.Eval(ctx, js, nil); err != nil {
		return err
	}
	return b.waitLoad(ctx)
}

// Page is what the tab shows.
type Page struct {
	URL    string // location.href, after any redirects
	Status int    // HTTP status of the document's response
	Text   string // document.body.innerText, spaces trimmed
}

// Page reads what the tab shows now.
func (b *Browser) Page(ctx context.Context) (Page, error) {
	var p Page
	err := b.Eval(ctx, `({URL: location.href,
  Status: (performance.getEntriesByType("navigation")[0] || {}).responseStatus || 0,
  Text: document.body ? document.body.innerText : ""})`, &p)
	p.Text = strings.TrimSpace(p.Text)
	return p, err
}

func (b *Browser) drainLoads() {
	for {
		select {
		case <-b.loads:
		default:
			return
		}
	}
}

func (b *Browser) waitLoad(ctx context.Context) error {
	select {
	case <-b.loads:
		return nil
	case <-b.closed:
		return errors.New("chromium exited")
	case <-ctx.Done():
		var href string
		short, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = b.Eval(short, "location.href", &href)
		return fmt.Errorf("waiting for a page load (at %s): %w", strings.TrimSpace(href), ctx.Err())
	}
}
