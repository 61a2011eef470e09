package csrf_test

import (
	"context"
	"sync"

	"github.com/djsession/djsession/djangosession"
	"github.com/djsession/djsession/python/pyjson"
)

// memStore is a minimal in-memory djangosession.Store for tests.
type memStore struct {
	mu    sync.Mutex
	data  map[string]*pyjson.Object
	saves int
}

func newMemStore() *memStore { return &memStore{data: map[string]*pyjson.Object{}} }

func (m *memStore) Load(_ context.Context, key string) (*pyjson.Object, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.data[key]
	if !ok {
		return nil, djangosession.ErrNotFound
	}
	return d.Clone(), nil
}

func (m *memStore) Save(_ context.Context, key string, data *pyjson.Object, _ djangosession.Expiry, mustCreate bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.data[key]
	if mustCreate && ok {
		return djangosession.ErrExists
	}
	if !mustCreate && !ok {
		return djangosession.ErrVanished
	}
	m.saves++
	m.data[key] = data.Clone()
	return nil
}

func (m *memStore) Exists(_ context.Context, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.data[key]
	return ok, nil
}

func (m *memStore) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, key)
	return nil
}

func (m *memStore) get(key string) (*pyjson.Object, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.data[key]
	return d, ok
}
