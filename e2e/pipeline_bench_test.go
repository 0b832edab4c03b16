package e2e

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/commands/execution"
	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
)

// BenchmarkPipelineAPI sends b.N requests to the gate and to the
// deployments endpoint at 100 requests a second (open loop: a request
// leaves every 10 ms whatever the answers), against the running bot with
// its outbox, and reports the latency percentiles. Every answer must be
// the expected one. docs/performance.md has the figures:
//
//	RELEASEBOT_TEST_POSTGRES=… go test -run '^$' -bench PipelineAPI -benchtime 2000x ./e2e/
func BenchmarkPipelineAPI(b *testing.B) {
	for _, dialect := range benchDialects() {
		b.Run("gate/"+dialect, func(b *testing.B) { benchPipeline(b, dialect, false) })
		b.Run("deployments/"+dialect, func(b *testing.B) { benchPipeline(b, dialect, true) })
	}
}

func benchPipeline(b *testing.B, dialect string, deployments bool) {
	h := start(b, options{dialect: dialect})
	const secret = "rbt_benchmark"
	n := b.N
	ids := benchReleases(b, h, secret, (n+1)/2)
	// request i: the gate of a release, or its start (first half) and
	// its success (second half).
	request := func(i int) (int, string) {
		if !deployments {
			return h.api("GET", fmt.Sprintf("/api/v1/gate?release=R-%d", ids[i%len(ids)]), secret, "")
		}
		status := "started"
		if i >= len(ids) {
			status = "succeeded"
		}
		return h.api("POST", "/api/v1/deployments", secret, fmt.Sprintf(`{"release":"R-%d","status":%q,"downtime_minutes":1}`, ids[i%len(ids)], status))
	}
	latencies := make([]time.Duration, n)
	failures := make([]string, n)
	var wg sync.WaitGroup
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	b.ResetTimer()
	for i := range n {
		if deployments && i == len(ids) {
			wg.Wait() // every start answered before the first success
		}
		<-tick.C
		wg.Go(func() {
			began := time.Now()
			status, body := request(i)
			latencies[i] = time.Since(began)
			if status != 200 {
				failures[i] = fmt.Sprintf("request %d: %d %s", i, status, body)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	for _, f := range failures {
		if f != "" {
			b.Fatal(f)
		}
	}
	slices.Sort(latencies)
	at := func(q float64) float64 { return float64(latencies[int(q*float64(n-1))].Microseconds()) / 1000 }
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(at(1), "max-ms")
}

// benchReleases stores a token for secret and count approved releases in
// their window now, each of its own service: completions of one service
// and environment follow one another (what is live there changes in
// order), and 100 a second of them would measure that queue, not the API.
func benchReleases(b *testing.B, h *harness, secret string, count int) []int64 {
	b.Helper()
	now := h.clock.Now().UTC()
	var ids []int64
	err := h.store.InTx(context.Background(), func(tx *storage.Tx) error {
		if err := tx.CreateToken(&storage.APIToken{Name: "bench", Hash: execution.HashToken(secret), CreatedBy: admin}); err != nil {
			return err
		}
		for i := range count {
			r := &storage.Release{Service: fmt.Sprintf("svc-%d", i), Version: "1.0.0", Environment: "production", Type: "normal", Risk: "low",
				OwnerID: ana, CreatedBy: ana, Channel: releases, StartAt: now.Add(-time.Minute), EndAt: now.Add(2 * time.Hour), Status: "approved"}
			if err := tx.CreateRelease(r, ana, "benchmark"); err != nil {
				return err
			}
			ids = append(ids, r.ID)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// Each gets an announcement, as planning would have posted, so the
	// updates and thread lines the moves cause go out instead of waiting.
	api := slack.New(slackemu.BotToken, slack.OptionAPIURL(h.slack.APIURL()))
	for _, id := range ids {
		_, ts, err := api.PostMessage(releases, slack.MsgOptionText(fmt.Sprintf("R-%d", id), false))
		if err == nil {
			err = h.store.InTx(context.Background(), func(tx *storage.Tx) error { return tx.SetAnnouncement(id, releases, ts) })
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	return ids
}
