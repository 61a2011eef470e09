package messages

import (
	"context"
	"net/http"

	"github.com/djsession/djsession/djangosession/middleware"
	"github.com/djsession/djsession/internal/commitwriter"
)

type ctxKey struct{}

// Handler returns next wrapped in Django's MessageMiddleware. With
// SessionStorage or FallbackStorage it must run inside the session
// middleware (middleware.Middleware.Handler), as Django's MessageMiddleware
// comes after SessionMiddleware.
//
// Messages are stored just before the response's status line is written
// (the first WriteHeader, Write, Flush or ReadFrom, or when next returns
// having written nothing), before the session middleware saves the
// session. A storage failure then (the session could not be loaded)
// replaces the response with middleware.DefaultErrorHandler's 500, as
// Django would answer.
func (s *Store) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &state{s: s, level: s.level}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, st))
		st.r = r
		rw := &commitwriter.Writer{ResponseWriter: w, Committer: st}
		next.ServeHTTP(rw, r)
		rw.Finish()
	})
}

func fromRequest(r *http.Request) (*state, error) {
	st, ok := r.Context().Value(ctxKey{}).(*state)
	if !ok {
		return nil, ErrNoMiddleware
	}
	return st, nil
}

// Add queues a message for the next page, as Django's messages.add_message
// (extraTags "" as its default). An empty message, or one below the
// request's level (Options.Level unless SetLevel changed it), is not
// recorded, as in Django.
func Add(r *http.Request, level Level, message, extraTags string) error {
	return add(r, Message{Level: level, Message: message, ExtraTags: extraTags})
}

// AddSafe is Add for a message that is HTML to show unescaped, as Django's
// add_message with mark_safe(message).
func AddSafe(r *http.Request, level Level, message, extraTags string) error {
	return add(r, Message{Level: level, Message: message, ExtraTags: extraTags, Safe: true})
}

func add(r *http.Request, m Message) error {
	st, err := fromRequest(r)
	if err != nil {
		return err
	}
	if m.Message == "" || m.Level < st.level {
		return nil
	}
	m.tags = st.s.codec.tags
	st.added = true
	st.queued = append(st.queued, m)
	return nil
}

// Messages returns the request's messages, the stored ones first and then
// those added during this request, and marks them shown, as iterating
// Django's get_messages(request) does: they are not stored again.
// Messages added after the call are stored for the next request. An error
// comes from the session (SessionStorage, FallbackStorage) or from stored
// data that is not Django's (ErrMalformed).
func Messages(r *http.Request) ([]Message, error) {
	st, err := fromRequest(r)
	if err != nil {
		return nil, err
	}
	loaded, err := st.loadedMessages()
	if err != nil {
		return nil, err
	}
	st.used = true
	st.loaded = append(loaded, st.queued...)
	st.queued = nil
	return append([]Message(nil), st.loaded...), nil
}

// SetLevel sets the lowest level recorded for the rest of the request, as
// Django's messages.set_level.
func SetLevel(r *http.Request, level Level) error {
	st, err := fromRequest(r)
	if err != nil {
		return err
	}
	st.level = level
	return nil
}

// Commit stores the messages just before the status line goes out. A
// storage failure writes middleware.DefaultErrorHandler's 500 instead.
func (st *state) Commit(w *commitwriter.Writer, _ int) error {
	if err := st.update(w.Header()); err != nil {
		middleware.DefaultErrorHandler(w.ResponseWriter, st.r, err)
		return err
	}
	return nil
}
