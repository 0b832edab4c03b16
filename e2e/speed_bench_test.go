package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/releasebot/releasebot/slackemu"
	"github.com/releasebot/releasebot/storage"
)

// BenchmarkPlanningLoad plans releases at a fixed rate, the way issue 11
// measures: `/release new <service> <version> <date> <time> type=standard`
// (planStandard), one release per minute up to 30 days ahead, typed in 100
// channels in turn. It reports the ack latency, the share of acks that
// carry the answer in time, the throughput, the process's CPU per 1,000
// commands (bot and emulator share the process: an upper bound of the
// bot's), PostgreSQL's CPU per 1,000 commands (every server process on
// the machine: an upper bound too), the database statements and commits
// per command (everything the bot asked of its database during the run,
// outbox deliveries included), and the peak RSS. Then /release help at
// the same rate.
//
// RELEASEBOT_LOAD_RATE (default 200/s) and RELEASEBOT_LOAD_SECONDS (30)
// set the run; RELEASEBOT_LOAD_KNEE=1 steps the rate 50, 100, … 1,600/s
// (RELEASEBOT_LOAD_SECONDS each, default 10) until p99 passes 100 ms.
//
//	go test -run '^$' -bench PlanningLoad -benchtime 1x -timeout 30m ./e2e/
func BenchmarkPlanningLoad(b *testing.B) {
	for _, dialect := range benchDialects() {
		b.Run(dialect, func(b *testing.B) {
			for range b.N {
				if os.Getenv("RELEASEBOT_LOAD_KNEE") != "" {
					knee(b, dialect)
					continue
				}
				run := newLoadRun(b, dialect, envInt("RELEASEBOT_LOAD_RATE", 200), envInt("RELEASEBOT_LOAD_SECONDS", 30))
				h := run.h
				res := run.plan(0)
				res.report(b, "")
				if res.answered != res.sent {
					// Reported, not failed: the figures are what is wanted.
					b.Logf("%d of %d acks carried the answer in time", res.answered, res.sent)
				}
				help := run.help()
				b.ReportMetric(help.p(0.99), "help-p99-ms")
				run.stop()
				h.stop()
			}
		})
	}
}

// knee steps the rate up until p99 passes 100 ms, with a fresh bot and
// database for each step.
func knee(b *testing.B, dialect string) {
	seconds := envInt("RELEASEBOT_LOAD_SECONDS", 10)
	best := 0
	for _, rate := range []int{50, 100, 200, 400, 800, 1600} {
		run := newLoadRun(b, dialect, rate, seconds)
		res := run.plan(0)
		run.stop()
		run.h.stop()
		b.Logf("%s at %d/s: p50 %.2f ms, p99 %.2f ms, %d of %d answered in the ack, %.0f/s",
			dialect, rate, res.p(0.5), res.p(0.99), res.answered, res.sent, res.throughput)
		if res.p(0.99) > 100 || res.answered != res.sent {
			break
		}
		best = rate
	}
	b.ReportMetric(float64(best), "knee-cmds/s")
}

// loadChannels is how many channels the commands are typed in.
const loadChannels = 100

func loadChannel(i int) string { return fmt.Sprintf("C0LOAD%03d", i%loadChannels) }

// loadSlack is the standard workspace plus the 100 channels.
func loadSlack(b *testing.B) *slackemu.Server {
	s := newSlack(b)
	for i := range loadChannels {
		s.AddChannel(slackemu.Channel{ID: loadChannel(i), Name: fmt.Sprintf("load-%03d", i), Members: []string{"UBOT", ana, ben, cat, dan, admin}})
	}
	return s
}

// loadServices is how many services the planning load spreads over.
const loadServices = 50

type loadRun struct {
	h       *harness
	counter *dbCounter // nil when the bot runs as a process
	rate    int
	seconds int
	pid     int // the bot's process, 0 when it runs in this one
	stop    func()
}

// newLoadRun starts a bot in this process with its database work counted,
// or with RELEASEBOT_LOAD_PROCESS set as a process of its own.
func newLoadRun(b *testing.B, dialect string, rate, seconds int) *loadRun {
	var run *loadRun
	if os.Getenv("RELEASEBOT_LOAD_PROCESS") != "" {
		h, pid, stop := startBotProcess(b, dialect, loadSlack(b))
		run = &loadRun{h: h, rate: rate, seconds: seconds, pid: pid, stop: stop}
	} else {
		counter := &dbCounter{noLog: true}
		h := start(b, options{dialect: dialect, slack: loadSlack(b), store: []storage.Option{counter.option()}})
		run = &loadRun{h: h, counter: counter, rate: rate, seconds: seconds, stop: func() {}}
	}
	// planStandard names each service's routine template.
	for i := range loadServices {
		run.h.routineTemplate(fmt.Sprintf("svc%d", i))
	}
	return run
}

// usage is the bot's CPU so far and peak RSS (KiB): of this process when
// the bot runs in it (emulator and load included), else of the bot's.
func (l *loadRun) usage() (time.Duration, int64) {
	if l.pid != 0 {
		return processStat(l.pid)
	}
	return processCPU(), peakRSS()
}

func (l *loadRun) takeWork() dbWork {
	if l.counter == nil {
		return dbWork{}
	}
	handler, background, _ := l.counter.take()
	return handler.plus(background)
}

type loadResult struct {
	lat              []time.Duration
	sent, answered   int
	lost, late       int
	throughput       float64
	cpu, pgCPU       time.Duration
	work             dbWork
	maxRSS           int64
	elapsed          time.Duration
	firstLatencyMsgs []string
}

func (r *loadResult) p(q float64) float64 {
	if len(r.lat) == 0 {
		return 0
	}
	sorted := append([]time.Duration(nil), r.lat...)
	slices.Sort(sorted)
	return float64(sorted[min(len(sorted)-1, int(float64(len(sorted))*q))].Microseconds()) / 1000
}

func (r *loadResult) report(b *testing.B, prefix string) {
	b.ReportMetric(r.p(0.50), prefix+"p50-ms")
	b.ReportMetric(r.p(0.99), prefix+"p99-ms")
	b.ReportMetric(float64(r.answered)/float64(max(r.sent, 1))*100, prefix+"answered-%")
	b.ReportMetric(r.throughput, prefix+"cmds/s")
	b.ReportMetric(r.cpu.Seconds()*1000/float64(max(r.sent, 1)), prefix+"cpu-s/1k")
	b.ReportMetric(r.pgCPU.Seconds()*1000/float64(max(r.sent, 1)), prefix+"pg-cpu-s/1k")
	b.ReportMetric(float64(r.work.Statements)/float64(max(r.sent, 1)), prefix+"stmts/cmd")
	b.ReportMetric(float64(r.work.Commits)/float64(max(r.sent, 1)), prefix+"commits/cmd")
	b.ReportMetric(float64(r.maxRSS)/1024, prefix+"peak-rss-MiB")
	b.ReportMetric(float64(r.lost+r.late), prefix+"lost+late")
}

// plan sends rate×seconds planning commands at the rate and waits until
// every announcement is out, so that the counts include the deliveries.
func (l *loadRun) plan(offset int) *loadResult {
	h := l.h
	base := h.clock.Now().In(zoneOf(h.t, ana)).AddDate(0, 0, 30).Truncate(time.Hour)
	return l.drive(func(i int) (string, string) {
		at := base.Add(time.Duration(offset+i) * time.Minute)
		return loadChannel(i), fmt.Sprintf(planStandard, fmt.Sprintf("svc%d", i%loadServices), fmt.Sprintf("1.%d.0", i), at.Format("2006-01-02 15:04"))
	}, "Planned", true)
}

// help sends /release help at the same rate.
func (l *loadRun) help() *loadResult {
	return l.drive(func(i int) (string, string) { return loadChannel(i), "/release help" }, "/release new", false)
}

func (l *loadRun) drive(line func(i int) (channel, text string), want string, deliveries bool) *loadResult {
	h := l.h
	total := l.rate * l.seconds
	res := &loadResult{sent: total}
	var mu sync.Mutex
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(l.seconds+120)*time.Second)
	defer cancel()
	h.outboxIdle()
	l.takeWork()
	cpu0, _ := l.usage()
	pg0 := postgresCPU()
	tick := time.NewTicker(time.Second / time.Duration(l.rate))
	began := time.Now()
	for i := range total {
		<-tick.C
		channel, text := line(i)
		wg.Go(func() {
			r, err := h.slack.As(ana).Command(ctx, channel, text)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil || r.TimedOut:
				res.lost++
				return
			case r.Ack.Late:
				res.late++
			}
			res.lat = append(res.lat, r.Ack.Latency)
			if r.Reply != nil && strings.Contains(r.Reply.Content(), want) && r.Ack.Latency < 2500*time.Millisecond {
				res.answered++
			} else if len(res.firstLatencyMsgs) < 3 && r.Reply != nil {
				res.firstLatencyMsgs = append(res.firstLatencyMsgs, r.Reply.Content())
			}
		})
	}
	tick.Stop()
	wg.Wait()
	res.elapsed = time.Since(began)
	res.throughput = float64(res.answered) / res.elapsed.Seconds()
	if deliveries {
		l.drained()
	}
	cpu1, rss := l.usage()
	res.cpu, res.pgCPU, res.maxRSS = cpu1-cpu0, postgresCPU()-pg0, rss
	res.work = l.takeWork()
	if len(res.firstLatencyMsgs) > 0 {
		h.t.Logf("answers that were not the expected one: %q", res.firstLatencyMsgs)
	}
	return res
}

// drained waits, up to ten minutes, until every announcement is out:
// thousands take longer than outboxIdle's patience.
func (l *loadRun) drained() {
	h := l.h
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var busy int64
		err := h.store.Gorm(context.Background()).Model(&storage.OutboxMessage{}).
			Where("status = ? OR (status = ? AND due_at <= ?)", storage.OutboxSending, storage.OutboxPending, h.clock.Now().UTC().Add(time.Minute)).
			Count(&busy).Error
		if err != nil {
			h.t.Fatalf("outbox: %v", err)
		}
		if busy == 0 {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%d messages still waiting after ten minutes", busy)
		}
		tick := time.NewTimer(100 * time.Millisecond)
		<-tick.C
	}
}

// peakRSS is the process's peak resident set, in KiB.
func peakRSS() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Maxrss // KiB on Linux
}

// processCPU is the user and system CPU this process used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// postgresCPU sums the CPU of every process named postgres on this
// machine (its own server in CI; shared with others here, so an upper
// bound), from /proc in clock ticks (1/100 s); 0 where /proc is missing.
func postgresCPU() time.Duration {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var ticks int64
	for _, d := range dirs {
		comm, err := os.ReadFile(d + "/comm")
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		stat, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue
		}
		// The fields after the command's closing parenthesis; utime and
		// stime are the 14th and 15th of the line.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			s, _ := strconv.ParseInt(f[12], 10, 64)
			ticks += u + s
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// BenchmarkApproveLoad clicks Approve on approval requests at a fixed
// rate (RELEASEBOT_APPROVE_RATE, default 100/s, for
// RELEASEBOT_APPROVE_SECONDS, default 10 s) and reports the time from the
// click until its answer reaches the response_url, the process's CPU per
// 1,000 clicks and the database statements and commits per click, the
// updates the outbox then sends included. The releases are planned first,
// one by one, each needing one approval from ben.
//
//	go test -run '^$' -bench ApproveLoad -benchtime 1x -timeout 30m ./e2e/
func BenchmarkApproveLoad(b *testing.B) {
	for _, dialect := range benchDialects() {
		b.Run(dialect, func(b *testing.B) {
			for range b.N {
				rate, seconds := envInt("RELEASEBOT_APPROVE_RATE", 100), envInt("RELEASEBOT_APPROVE_SECONDS", 10)
				run := newLoadRun(b, dialect, 200, max(1, rate*seconds/200))
				h := run.h
				mustContain(b, h.setPolicy("normal approvers=<@"+ben+"> required=any"), "normal")
				base := h.clock.Now().In(zoneOf(b, ana)).AddDate(0, 0, 30).Truncate(time.Hour)
				planned := run.drive(func(i int) (string, string) {
					at := base.Add(time.Duration(i) * time.Minute)
					return loadChannel(i), fmt.Sprintf("/release new svc%d 2.%d.0 %s type=normal", i%50, i, at.Format("2006-01-02 15:04"))
				}, "Planned", true)
				if planned.answered != planned.sent {
					b.Fatalf("planned %d of %d", planned.answered, planned.sent)
				}
				run.rate, run.seconds = rate, seconds
				res := run.approve()
				res.report(b, "")
				run.stop()
				h.stop()
			}
		})
	}
}

var refInAnswer = regexp.MustCompile(`R-(\d+)`)

// approve clicks Approve on each of ben's requests at the rate and times
// each click to its answer.
func (l *loadRun) approve() *loadResult {
	h := l.h
	var requests []slackemu.Message
	for _, m := range h.slack.As(ben).DMs() {
		for _, btn := range m.Buttons() {
			if btn.Label == "Approve" {
				requests = append(requests, m)
				break
			}
		}
	}
	total := min(len(requests), l.rate*l.seconds)
	res := &loadResult{sent: total}
	sentAt := make(map[string]time.Time, total)
	var mu sync.Mutex
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(l.seconds+120)*time.Second)
	defer cancel()
	answers := len(h.slack.Calls("response_url"))
	l.takeWork()
	cpu0, _ := l.usage()
	pg0 := postgresCPU()
	tick := time.NewTicker(time.Second / time.Duration(l.rate))
	began := time.Now()
	for i := range total {
		<-tick.C
		m := requests[i]
		ref := refInAnswer.FindString(m.Content())
		wg.Go(func() {
			mu.Lock()
			sentAt[ref] = time.Now()
			mu.Unlock()
			if _, err := h.slack.As(ben).Click(ctx, m, "Approve"); err != nil {
				mu.Lock()
				res.lost++
				mu.Unlock()
			}
		})
	}
	tick.Stop()
	wg.Wait()
	h.eventually("every click's answer", func() bool { return len(h.slack.Calls("response_url")) >= answers+total-res.lost })
	res.elapsed = time.Since(began)
	for _, c := range h.slack.Calls("response_url")[answers:] {
		ref := refInAnswer.FindString(string(c.Body))
		if at, ok := sentAt[ref]; ok && strings.Contains(string(c.Body), "approve") {
			res.lat = append(res.lat, c.At.Sub(at))
			res.answered++
		}
	}
	res.throughput = float64(res.answered) / res.elapsed.Seconds()
	l.drained()
	cpu1, rss := l.usage()
	res.cpu, res.pgCPU, res.maxRSS = cpu1-cpu0, postgresCPU()-pg0, rss
	res.work = l.takeWork()
	return res
}
