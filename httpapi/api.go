// Package httpapi is the pipeline API under /api/v1/ on HTTP_ADDR: the
// deploy gate, deployments, readiness checks, incidents and planning. It
// authenticates pipeline tokens, bounds and strictly decodes bodies,
// replays answers for a repeated Idempotency-Key, and hands every change
// to the same capability code the Slack handlers use.
package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/releasebot/releasebot/storage"
)

// MaxBody bounds a request body: anything larger is refused with 413.
const MaxBody = 64 << 10

// Prefix is where the API is mounted.
const Prefix = "/api/v1/"

// Call is one authenticated request as a handler sees it.
type Call struct {
	Token *storage.APIToken
	Req   *http.Request
	body  []byte
}

// Actor is the audit actor of the call's changes: the token's name.
func (c *Call) Actor() string { return "token:" + c.Token.Name }

// Decode reads the JSON body into v, refusing unknown fields and trailing
// data; the error names what is wrong.
func (c *Call) Decode(v any) error {
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the body is not the JSON this endpoint takes: %w", err)
	}
	if dec.More() {
		return errors.New("the body holds more than one JSON value")
	}
	return nil
}

// MayTouch reports whether the call's token may act on service.
func (c *Call) MayTouch(service string) bool {
	return c.Token.Services == "" || slices.Contains(strings.Split(c.Token.Services, ","), service)
}

// Answer is a handler's reply: a status and a JSON body.
type Answer struct {
	Status int
	Body   any
}

// Handler serves one endpoint.
type Handler func(ctx context.Context, c *Call) Answer

// Tokens finds a token by the hash of its secret.
type Tokens interface {
	TokenByHash(ctx context.Context, hash string) (*storage.APIToken, error)
}

// Answers keeps and replays the answers to requests with an Idempotency-Key.
type Answers interface {
	IdempotentAnswer(ctx context.Context, key string) (*storage.IdempotencyKey, error)
	KeepAnswer(ctx context.Context, k *storage.IdempotencyKey) error
}

// Server is the API's router.
type Server struct {
	mux     *http.ServeMux
	tokens  Tokens
	answers Answers
	log     *slog.Logger
}

// NewServer makes an API with no endpoints yet; Handle adds them.
func NewServer(tokens Tokens, answers Answers, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	return &Server{mux: http.NewServeMux(), tokens: tokens, answers: answers, log: log}
}

// Handle registers an endpoint: method and path under /api/v1/ ("GET",
// "gate"). Adding an endpoint is this one call.
func (s *Server) Handle(method, path string, h Handler) {
	s.mux.Handle(method+" "+Prefix+path, s.wrap(method+" "+path, h))
}

// ServeHTTP serves the API; unknown paths under /api/v1/ get a JSON 404.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern == "" {
		write(w, Answer{http.StatusNotFound, errorBody("there is no such endpoint: " + r.Method + " " + r.URL.Path)})
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) wrap(name string, h Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		began := time.Now()
		ans, tokenName := s.serve(r, h)
		write(w, ans)
		// Never the token nor the body: only what was asked and how it went.
		s.log.InfoContext(r.Context(), "api request", "endpoint", name, "token", tokenName, "status", ans.Status, "duration_ms", time.Since(began).Milliseconds())
	})
}

func (s *Server) serve(r *http.Request, h Handler) (Answer, string) {
	ctx := r.Context()
	tok, ans := s.authenticate(ctx, r)
	if tok == nil {
		return ans, ""
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return Answer{http.StatusRequestEntityTooLarge, errorBody(fmt.Sprintf("the body is larger than %d KiB", MaxBody>>10))}, tok.Name
	}
	if err != nil {
		return Answer{http.StatusBadRequest, errorBody("the body could not be read")}, tok.Name
	}
	c := &Call{Token: tok, Req: r, body: body}
	key := r.Header.Get("Idempotency-Key")
	if key == "" || r.Method == http.MethodGet {
		return h(ctx, c), tok.Name
	}
	return s.idempotent(ctx, c, key, h), tok.Name
}

// authenticate finds the bearer token; a missing or unknown one is 401.
// The secret is compared as its hash, in constant time.
func (s *Server) authenticate(ctx context.Context, r *http.Request) (*storage.APIToken, Answer) {
	secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || secret == "" {
		return nil, Answer{http.StatusUnauthorized, errorBody("send a pipeline token as Authorization: Bearer <token>; admins create one with /release token create")}
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	hash := hex.EncodeToString(sum[:])
	tok, err := s.tokens.TokenByHash(ctx, hash)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && subtle.ConstantTimeCompare([]byte(tok.Hash), []byte(hash)) != 1) {
		return nil, Answer{http.StatusUnauthorized, errorBody("this token is unknown or was revoked")}
	}
	if err != nil {
		s.log.ErrorContext(ctx, "api: read token", "err", err)
		return nil, Answer{http.StatusInternalServerError, errorBody("the bot could not check the token; try again")}
	}
	return tok, Answer{}
}

// idempotent replays the answer stored under the token's key when the
// same request comes again, and keeps the answer of a first one that
// succeeded.
func (s *Server) idempotent(ctx context.Context, c *Call, key string, h Handler) Answer {
	if len(key) > 200 {
		return Answer{http.StatusBadRequest, fieldsBody(map[string]string{"Idempotency-Key": "at most 200 characters"})}
	}
	stored := c.Token.Name + ":" + key
	sum := sha256.Sum256(append([]byte(c.Req.Method+" "+c.Req.URL.Path+"\n"), c.body...))
	hash := hex.EncodeToString(sum[:])
	prev, err := s.answers.IdempotentAnswer(ctx, stored)
	switch {
	case err == nil && prev.RequestHash != hash:
		return Answer{http.StatusUnprocessableEntity, errorBody("this Idempotency-Key was used for a different request")}
	case err == nil:
		return Answer{prev.Status, json.RawMessage(prev.Body)}
	case !errors.Is(err, storage.ErrNotFound):
		s.log.ErrorContext(ctx, "api: read idempotency key", "err", err)
		return Answer{http.StatusInternalServerError, errorBody("the bot could not check the Idempotency-Key; try again")}
	}
	ans := h(ctx, c)
	// Only what changed something is kept: a refusal changed nothing, so
	// the same request is judged afresh later (the gate may open).
	if ans.Status < 200 || ans.Status > 299 {
		return ans
	}
	if _, raw := ans.Body.(Raw); raw {
		return ans // only JSON answers are kept
	}
	body, err := json.Marshal(ans.Body)
	if err == nil {
		err = s.answers.KeepAnswer(ctx, &storage.IdempotencyKey{Key: stored, RequestHash: hash, Status: ans.Status, Body: string(body)})
	}
	if err != nil && !errors.Is(err, storage.ErrDuplicate) {
		s.log.WarnContext(ctx, "api: keep idempotent answer", "err", err)
	}
	return ans
}

// Raw is an answer's body that is not JSON (CSV, iCalendar), written as is.
type Raw struct {
	ContentType string
	Data        []byte
	// Stream, when set, writes the body instead of Data, so that an
	// export of any size is never held in memory whole.
	Stream func(w io.Writer) error
}

func write(w http.ResponseWriter, a Answer) {
	if raw, ok := a.Body.(Raw); ok {
		w.Header().Set("Content-Type", raw.ContentType)
		w.WriteHeader(a.Status)
		if raw.Stream != nil {
			// The status is sent: a failure now can only cut the body short.
			if err := raw.Stream(w); err != nil {
				slog.Warn("api: stream cut short", "err", err)
			}
			return
		}
		_, _ = w.Write(raw.Data)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.Status)
	_ = json.NewEncoder(w).Encode(a.Body)
}

func errorBody(msg string) map[string]any { return map[string]any{"error": msg} }

// fieldsBody is a 400's body: every bad field and what is wrong with it.
func fieldsBody(fields map[string]string) map[string]any {
	return map[string]any{"error": "some fields are not valid", "fields": fields}
}
