package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/releasebot/releasebot/storage"
)

// fakeStore knows one token and keeps idempotent answers in memory.
type fakeStore struct {
	mu      sync.Mutex
	token   storage.APIToken
	answers map[string]*storage.IdempotencyKey
}

func (f *fakeStore) TokenByHash(_ context.Context, hash string) (*storage.APIToken, error) {
	if hash != f.token.Hash {
		return nil, storage.ErrNotFound
	}
	t := f.token
	return &t, nil
}

func (f *fakeStore) IdempotentAnswer(_ context.Context, key string) (*storage.IdempotencyKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if k, ok := f.answers[key]; ok {
		return k, nil
	}
	return nil, storage.ErrNotFound
}

func (f *fakeStore) KeepAnswer(_ context.Context, k *storage.IdempotencyKey) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.answers[k.Key]; ok {
		return storage.ErrDuplicate
	}
	f.answers[k.Key] = k
	return nil
}

func hash(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }

// testServer has one endpoint that counts its calls and echoes a field.
func testServer(t *testing.T) (*httptest.Server, *int) {
	store := &fakeStore{token: storage.APIToken{Name: "ci", Hash: hash("rbt_secret"), Services: "payments"}, answers: map[string]*storage.IdempotencyKey{}}
	srv := NewServer(store, store, nil)
	calls := 0
	srv.Handle(http.MethodPost, "echo", func(_ context.Context, c *Call) Answer {
		calls++
		var in struct {
			Service string `json:"service"`
		}
		if err := c.Decode(&in); err != nil {
			return Answer{http.StatusBadRequest, errorBody(err.Error())}
		}
		if !c.MayTouch(in.Service) {
			return Answer{http.StatusForbidden, errorBody("no")}
		}
		return Answer{http.StatusOK, map[string]any{"actor": c.Actor(), "calls": calls}}
	})
	srv.Handle(http.MethodGet, "calendar.ics", func(context.Context, *Call) Answer {
		return Answer{http.StatusOK, Raw{ContentType: "text/calendar", Data: []byte("BEGIN:VCALENDAR\r\n")}}
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, &calls
}

func call(t *testing.T, ts *httptest.Server, method, path, token, body string, headers ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

func TestServerRefusals(t *testing.T) {
	ts, calls := testServer(t)
	for _, c := range []struct {
		name, method, path, token, body string
		status                          int
		want                            string
	}{
		{"no token", "POST", "/api/v1/echo", "", `{}`, 401, "Authorization: Bearer"},
		{"unknown token", "POST", "/api/v1/echo", "rbt_other", `{}`, 401, "unknown or was revoked"},
		{"too large", "POST", "/api/v1/echo", "rbt_secret", `{"service":"` + strings.Repeat("x", MaxBody) + `"}`, 413, "larger than 64 KiB"},
		{"unknown field", "POST", "/api/v1/echo", "rbt_secret", `{"service":"payments","extra":1}`, 400, `unknown field \"extra\"`},
		{"two values", "POST", "/api/v1/echo", "rbt_secret", `{"service":"payments"}{}`, 400, "more than one JSON value"},
		{"out of scope", "POST", "/api/v1/echo", "rbt_secret", `{"service":"billing"}`, 403, "no"},
		{"wrong method", "GET", "/api/v1/echo", "rbt_secret", ``, 404, "no such endpoint"},
		{"allowed", "POST", "/api/v1/echo", "rbt_secret", `{"service":"payments"}`, 200, `"actor":"token:ci"`},
		{"a body that is not JSON", "GET", "/api/v1/calendar.ics", "rbt_secret", ``, 200, "BEGIN:VCALENDAR"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := call(t, ts, c.method, c.path, c.token, c.body)
			if status != c.status || !strings.Contains(body, c.want) {
				t.Fatalf("%d %s, want %d with %q", status, body, c.status, c.want)
			}
		})
	}
	if status, _ := call(t, ts, "POST", "/api/v1/echo", "", `{}`, "Authorization", "Basic cmJ0X3NlY3JldA=="); status != 401 {
		t.Fatalf("basic auth: %d", status)
	}
	if *calls != 4 {
		t.Fatalf("the handler ran %d times; want 4 (refused before it otherwise)", *calls)
	}
}

func TestServerIdempotencyKey(t *testing.T) {
	ts, calls := testServer(t)
	body := `{"service":"payments"}`
	_, first := call(t, ts, "POST", "/api/v1/echo", "rbt_secret", body, "Idempotency-Key", "k1")
	_, again := call(t, ts, "POST", "/api/v1/echo", "rbt_secret", body, "Idempotency-Key", "k1")
	if first != again || *calls != 1 {
		t.Fatalf("the retry ran the handler again (%d calls): %s / %s", *calls, first, again)
	}
	if status, out := call(t, ts, "POST", "/api/v1/echo", "rbt_secret", `{"service":"payments" }`, "Idempotency-Key", "k1"); status != 422 {
		t.Fatalf("another body under the same key: %d %s", status, out)
	}
	// A refusal is not kept: the same request is judged again.
	call(t, ts, "POST", "/api/v1/echo", "rbt_secret", `{"service":"billing"}`, "Idempotency-Key", "k2")
	call(t, ts, "POST", "/api/v1/echo", "rbt_secret", `{"service":"billing"}`, "Idempotency-Key", "k2")
	if *calls != 3 {
		t.Fatalf("%d calls; a refused request must run again", *calls)
	}
}
