package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/releasebot/releasebot/app"
	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
)

// BenchmarkStakeholderDMs sends one release's notification to 1,000
// people subscribed by DM (RELEASEBOT_BENCH_PEOPLE changes the number),
// through the emulator with Slack's rate limits on, and reports how long
// the last DM took against the least time those limits allow. Every
// person must get exactly one DM. The bot runs with production intervals
// (outbox poll 1 s). RELEASEBOT_BENCH_LOG=<file> keeps the bot's log.
//
//	go test -run '^$' -bench StakeholderDMs -benchtime 1x -timeout 20m ./e2e/
func BenchmarkStakeholderDMs(b *testing.B) {
	people := envInt("RELEASEBOT_BENCH_PEOPLE", 1000)
	for _, dialect := range benchDialects() {
		b.Run(dialect, func(b *testing.B) {
			for range b.N {
				benchmarkDMs(b, dialect, people)
			}
		})
	}
}

func benchmarkDMs(b *testing.B, dialect string, people int) {
	b.StopTimer()
	slack := newSlack(b)
	var users []string
	for i := range people {
		id := fmt.Sprintf("U%07d", i)
		users = append(users, id)
		slack.AddUser(slackemu.User{ID: id, Name: fmt.Sprintf("person%d", i), TZ: "UTC"})
	}
	h := start(b, options{dialect: dialect, slack: slack, tuning: app.Tuning{OutboxPoll: time.Second, MinuteJobs: "@every 1m", OutboxBackoff: 2 * time.Second}})
	ctx := context.Background()
	if err := h.store.InTx(ctx, func(tx *storage.Tx) error {
		for _, u := range users {
			if _, err := tx.Subscribe(&storage.Subscription{Service: "billing", Target: u, TargetKind: "user", CreatedBy: u}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	limits := slackemu.DefaultRateLimits()
	slack.SetRateLimits(limits)
	before := len(slack.Calls("chat.postMessage"))

	mustContain(b, h.cmdAnswer(admin, releases, `/release standard add billing-routine service=billing max-risk=high "Routine deploys"`), "Added")
	b.StartTimer()
	began := time.Now()
	when, _ := h.fromNow(ana, 48*time.Hour)
	h.cmd(ana, releases, "/release new billing 1.0.0 "+when+" type=standard template=billing-routine")
	// Checked on the bot's side every 50 ms: copying the emulator's call
	// log on every change would slow the machine down as it grows.
	deadline := time.Now().Add(10 * time.Minute)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var sent int64
	for sent < int64(people+1) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d messages sent after 10 minutes", sent, people+1)
		}
		<-tick.C
		if err := h.store.Gorm(ctx).Model(&storage.OutboxMessage{}).Where("status = ?", storage.OutboxSent).Count(&sent).Error; err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(began)
	b.StopTimer()
	h.outboxIdle()

	// The least time: the workspace allowance (a burst of a minute's
	// worth, then PerMinute/60 a second) for every message sent, the
	// announcement included.
	calls := slack.Calls("chat.postMessage")[before:]
	perUser := map[string]int{}
	var ok, limited int
	for _, c := range calls {
		switch {
		case c.HTTPStatus == 429:
			limited++
		case c.HTTPStatus == 200 && c.Error == "":
			ok++
			perUser[c.Params["channel"]]++
		}
	}
	for _, u := range users {
		if perUser[u] != 1 {
			b.Fatalf("%s got %d DMs", u, perUser[u])
		}
	}
	perMinute := float64(limits.PostMessageWorkspacePerMinute)
	least := time.Duration(max(0, float64(ok)-perMinute) / (perMinute / 60) * float64(time.Second))
	b.ReportMetric(elapsed.Seconds(), "s")
	b.ReportMetric(least.Seconds(), "least-s")
	b.ReportMetric(elapsed.Seconds()/least.Seconds(), "x-least")
	b.ReportMetric(float64(ok), "posted")
	b.ReportMetric(float64(limited), "429s")
	b.Logf("%d people: %d messages posted in %s (least %s, %.2fx), %d answered 429", people, ok, elapsed.Round(time.Millisecond), least, elapsed.Seconds()/least.Seconds(), limited)
	if os.Getenv("RELEASEBOT_BENCH_LOG") != "" {
		_ = os.WriteFile(os.Getenv("RELEASEBOT_BENCH_LOG"), []byte(h.log.String()), 0o644)
	}
	h.stop()
}
