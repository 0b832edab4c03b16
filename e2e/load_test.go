package e2e

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// BenchmarkAckLatency measures envelope → ack over the real websocket for a
// slash command whose handler writes to the database (a subscription and
// its audit entry), one command at a time.
//
//	go test -run '^$' -bench AckLatency ./e2e/
func BenchmarkAckLatency(b *testing.B) {
	for _, dialect := range benchDialects() {
		b.Run(dialect, func(b *testing.B) {
			h := start(b, options{dialect: dialect})
			ctx := context.Background()
			var lat []time.Duration
			b.ResetTimer()
			for i := range b.N {
				res, err := h.slack.As(ana).Command(ctx, releases, fmt.Sprintf("/release subscribe bench-%d", i))
				if err != nil || res.TimedOut {
					b.Fatalf("command %d: err=%v timedOut=%v", i, err, res.TimedOut)
				}
				lat = append(lat, res.Ack.Latency)
			}
			b.StopTimer()
			reportLatency(b, lat)
		})
	}
}

// BenchmarkSustainedLoad sends slash commands at a fixed rate (default 200
// per second for 30 s; RELEASEBOT_LOAD_RATE and RELEASEBOT_LOAD_SECONDS
// change it) and reports the ack latency percentiles, lost acks (Slack
// would show operation_timeout) and late acks (over 3 s).
//
//	go test -run '^$' -bench SustainedLoad -benchtime 1x -timeout 10m ./e2e/
func BenchmarkSustainedLoad(b *testing.B) {
	rate := envInt("RELEASEBOT_LOAD_RATE", 200)
	seconds := envInt("RELEASEBOT_LOAD_SECONDS", 30)
	for _, dialect := range benchDialects() {
		b.Run(dialect, func(b *testing.B) {
			for range b.N {
				h := start(b, options{dialect: dialect})
				total := rate * seconds
				interval := time.Second / time.Duration(rate)
				var mu sync.Mutex
				var lat []time.Duration
				var lost, late, failed int
				var wg sync.WaitGroup
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds+60)*time.Second)
				tick := time.NewTicker(interval)
				began := time.Now()
				for i := range total {
					<-tick.C
					wg.Go(func() {
						res, err := h.slack.As(ana).Command(ctx, releases, fmt.Sprintf("/release subscribe load-%d", i))
						mu.Lock()
						defer mu.Unlock()
						switch {
						case err != nil:
							failed++
						case res.TimedOut:
							lost++
						default:
							if res.Ack.Late {
								late++
							}
							lat = append(lat, res.Ack.Latency)
						}
					})
				}
				tick.Stop()
				wg.Wait()
				cancel()
				elapsed := time.Since(began)
				reportLatency(b, lat)
				b.ReportMetric(float64(lost), "lost")
				b.ReportMetric(float64(late), "late")
				b.ReportMetric(float64(failed), "failed")
				b.ReportMetric(float64(total)/elapsed.Seconds(), "cmds/s")
				subs, err := h.store.Subscriptions(context.Background(), releases)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(len(subs)), "rows")
				if lost+late+failed > 0 || len(subs) != total {
					b.Errorf("%d lost, %d late, %d failed, %d of %d subscriptions stored", lost, late, failed, len(subs), total)
				}
				h.stop()
			}
		})
	}
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
}

func benchDialects() []string {
	if os.Getenv("RELEASEBOT_TEST_POSTGRES") != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
