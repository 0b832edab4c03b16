package app

import (
	"net/http"

	"github.com/releasebot/releasebot/commands/calendarfeed"
	"github.com/releasebot/releasebot/httpapi"
)

// pipelineAPI serves /api/v1/ once the bot has built it; before (the
// database is not open yet) it answers 503 so a pipeline retries.
func pipelineAPI(ready *readiness) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := ready.api.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":"the bot is starting; try again shortly"}` + "\n"))
	})
}

// pipelineAPI builds the HTTP API over the running capabilities.
func (sys *system) pipelineAPI() *http.Handler {
	srv := httpapi.NewServer(sys.deps.Store, sys.deps.Store, sys.deps.Logger)
	(&httpapi.Endpoints{Exec: sys.commands.Execution(), Releases: sys.deps.Store, Log: sys.deps.Logger}).Register(srv)
	(&httpapi.Planning{Planner: sys.commands.Planning(), Log: sys.deps.Logger}).Register(srv)
	(&httpapi.Metrics{Measurer: sys.commands.Metrics(), Log: sys.deps.Logger}).Register(srv)
	(&httpapi.Exports{Store: sys.deps.Store}).Register(srv)
	mux := http.NewServeMux()
	mux.Handle(httpapi.Prefix, srv)
	mux.Handle("GET "+calendarfeed.FeedPath, &httpapi.Calendar{Store: sys.deps.Store, Clock: sys.deps.Clock, Log: sys.deps.Logger})
	var h http.Handler = mux
	return &h
}
