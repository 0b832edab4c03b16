package httpapi

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/releasebot/releasebot/storage"
	"github.com/releasebot/releasebot/storage/storagetest"
)

// BenchmarkReleasesCSV streams the CSV export of n releases from
// PostgreSQL and reports the largest heap seen while it ran: the export
// holds one row at a time, so the figure does not grow with n.
func BenchmarkReleasesCSV(b *testing.B) {
	if !storagetest.PostgresEnabled() {
		b.Skipf("%s is not set: this benchmark runs on PostgreSQL", storagetest.PostgresEnv)
	}
	for _, n := range []int{10_000, 100_000} {
		b.Run("releases="+strconv.Itoa(n), func(b *testing.B) {
			s, err := storage.Open(context.Background(), storagetest.Fresh(b, "postgres"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			err = s.Gorm(context.Background()).Exec(fmt.Sprintf(`INSERT INTO releases (service, version, environment, type, risk, owner_id, created_by, channel,
				title, start_at, end_at, status, created_at, updated_at)
			SELECT 'svc' || (g %% 200), '1.' || g, 'production', 'normal', 'low', 'U1', 'U1', 'C1', '=title ' || g,
				now(), now() + interval '1 hour', 'approved', now(), now() FROM generate_series(1, %d) g`, n)).Error
			if err != nil {
				b.Fatal(err)
			}
			e := &Exports{Store: s}
			call := &Call{Token: &storage.APIToken{Name: "bench"}, Req: httptest.NewRequest("GET", "/api/v1/releases.csv", nil)}
			var peak uint64
			for b.Loop() {
				done, sampled := make(chan struct{}), make(chan struct{})
				go func() {
					defer close(sampled)
					var m runtime.MemStats
					for {
						runtime.ReadMemStats(&m)
						peak = max(peak, m.HeapInuse)
						select {
						case <-done:
							return
						case <-time.After(5 * time.Millisecond):
						}
					}
				}()
				ans := e.releases(context.Background(), call)
				if err := ans.Body.(Raw).Stream(io.Discard); err != nil {
					b.Fatal(err)
				}
				close(done)
				<-sampled
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
