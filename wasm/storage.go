//go:build js && wasm

package main

import (
	"context"
	"errors"
	"sync"
	"syscall/js"
)

// idbStorage is client.Storage over IndexedDB (the worker has no
// localStorage): database "roost", object store "kv", string values.
type idbStorage struct {
	mu sync.Mutex
	db js.Value // open database, or undefined until opened
}

const (
	idbName  = "roost"
	idbStore = "kv"
)

// Get implements client.Storage.
func (s *idbStorage) Get(ctx context.Context, key string) ([]byte, bool, error) {
	db, err := s.open(ctx)
	if err != nil {
		return nil, false, err
	}
	store, err := idbObjectStore(db, "readonly")
	if err != nil {
		return nil, false, err
	}
	req := store.Call("get", key)
	if _, err := idbWait(ctx, req, "success", "error"); err != nil {
		return nil, false, err
	}
	v := req.Get("result")
	switch v.Type() {
	case js.TypeUndefined:
		return nil, false, nil
	case js.TypeString:
		return []byte(v.String()), true, nil
	}
	return nil, false, errors.New("indexedDB: the stored value of " + key + " is not a string")
}

// Set implements client.Storage: it returns once the transaction committed
// (a full quota aborts it with QuotaExceededError).
func (s *idbStorage) Set(ctx context.Context, key string, value []byte) error {
	db, err := s.open(ctx)
	if err != nil {
		return err
	}
	store, err := idbObjectStore(db, "readwrite")
	if err != nil {
		return err
	}
	tx := store.Get("transaction")
	if err := jsTry(func() { store.Call("put", string(value), key) }); err != nil {
		return err
	}
	_, err = idbWait(ctx, tx, "complete", "error", "abort")
	return err
}

// open opens the database once; a failure is tried again on the next call.
func (s *idbStorage) open(ctx context.Context) (js.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db.Truthy() {
		return s.db, nil
	}
	db, err := idbOpen(ctx, 0)
	if err == nil && !db.Get("objectStoreNames").Call("contains", idbStore).Bool() {
		// Someone opened "roost" without creating the store (a page's own
		// script, say): a version up creates it.
		version := db.Get("version").Int()
		db.Call("close")
		db, err = idbOpen(ctx, version+1)
	}
	if err != nil {
		return js.Value{}, err
	}
	s.db = db
	// Another context deleting or upgrading the database closes this one: open again next time.
	var onVersionChange js.Func
	onVersionChange = js.FuncOf(func(this js.Value, _ []js.Value) any {
		this.Call("close")
		onVersionChange.Release()
		s.mu.Lock()
		s.db = js.Value{}
		s.mu.Unlock()
		return nil
	})
	s.db.Set("onversionchange", onVersionChange)
	return s.db, nil
}

// idbOpen opens the database at version (0: the current one, 1 for a new
// database), creating the store on an upgrade.
func idbOpen(ctx context.Context, version int) (js.Value, error) {
	factory := js.Global().Get("indexedDB")
	if !factory.Truthy() {
		return js.Value{}, errors.New("indexedDB: not available in this browser context")
	}
	var req js.Value
	err := jsTry(func() {
		if version == 0 {
			req = factory.Call("open", idbName)
		} else {
			req = factory.Call("open", idbName, version)
		}
	})
	if err != nil {
		return js.Value{}, err
	}
	upgrade := js.FuncOf(func(js.Value, []js.Value) any {
		db := req.Get("result")
		if !db.Get("objectStoreNames").Call("contains", idbStore).Bool() {
			db.Call("createObjectStore", idbStore)
		}
		return nil
	})
	defer func() {
		req.Set("onupgradeneeded", js.Null()) // a late upgrade after a timeout finds no released func
		upgrade.Release()
	}()
	req.Set("onupgradeneeded", upgrade)
	if _, err := idbWait(ctx, req, "success", "error", "blocked"); err != nil {
		return js.Value{}, err
	}
	return req.Get("result"), nil
}

// idbObjectStore starts a transaction on the store.
func idbObjectStore(db js.Value, mode string) (store js.Value, err error) {
	err = jsTry(func() { store = db.Call("transaction", idbStore, mode).Call("objectStore", idbStore) })
	return store, err
}

// idbWait waits for one of target's events: ok, or a failure (its error).
// The handlers only hand the outcome to a channel, and are released once one fired.
func idbWait(ctx context.Context, target js.Value, ok string, fail ...string) (js.Value, error) {
	ch := make(chan error, 1)
	var funcs []js.Func
	settle := func(err error) {
		select {
		case ch <- err:
		default:
		}
	}
	on := func(name string, f func() error) {
		fn := js.FuncOf(func(js.Value, []js.Value) any {
			settle(f())
			return nil
		})
		funcs = append(funcs, fn)
		target.Set("on"+name, fn)
	}
	on(ok, func() error { return nil })
	for _, name := range fail {
		on(name, func() error { return domError(target.Get("error"), "indexedDB: "+name) })
	}
	defer func() {
		// A late event after a timeout finds no handler rather than a released one.
		for _, name := range append([]string{ok}, fail...) {
			target.Set("on"+name, js.Null())
		}
		for _, fn := range funcs {
			fn.Release()
		}
	}()
	select {
	case err := <-ch:
		return target, err
	case <-ctx.Done():
		return target, ctx.Err()
	}
}

// domError describes a DOMException (name: message), or says what failed.
func domError(e js.Value, what string) error {
	if e.Truthy() {
		return errors.New("indexedDB: " + e.Get("name").String() + ": " + e.Get("message").String())
	}
	return errors.New(what)
}

// jsTry runs f and turns a JavaScript exception it throws into an error.
func jsTry(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if jsErr, ok := r.(js.Error); ok {
				err = errors.New("indexedDB: " + jsErr.Error())
				return
			}
			panic(r)
		}
	}()
	f()
	return nil
}
