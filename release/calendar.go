package release

import (
	"fmt"
	"sort"
	"time"
)

// Slot is a release as the calendar sees it.
type Slot struct {
	ID          ID
	Service     string
	Version     string
	Environment string
	Start, End  time.Time
	Status      Status
	// Components are the names of the parts the release touches
	// (release_components); two releases sharing one conflict wherever
	// they run.
	Components []string
}

// Freeze is a period in which no release may start or run, for one
// environment or (Environment "") for all of them.
type Freeze struct {
	ID          int64
	Environment string
	Start, End  time.Time
	Reason      string
}

// Applies reports whether the freeze covers env.
func (f Freeze) Applies(env string) bool { return f.Environment == "" || f.Environment == env }

// Overlaps reports whether the half-open intervals [aStart,aEnd) and
// [bStart,bEnd) share any instant; back-to-back slots do not overlap.
func Overlaps(aStart, aEnd, bStart, bEnd time.Time) bool {
	return aStart.Before(bEnd) && bStart.Before(aEnd)
}

// Conflict is another active release that overlaps a candidate slot on the
// same service, the same environment or a shared component.
type Conflict struct {
	Other           Slot
	SameService     bool
	SameEnvironment bool
	// SharedComponents are the components both touch, sorted.
	SharedComponents []string
}

// Conflicts lists the active releases in others that overlap candidate on its
// service, its environment or a component both touch (even in another
// environment or service), earliest first. candidate itself (same ID) is
// skipped so that an edit does not conflict with the release being edited.
func Conflicts(candidate Slot, others []Slot) []Conflict {
	var out []Conflict
	for _, o := range others {
		if o.ID == candidate.ID || !o.Status.Active() {
			continue
		}
		if !Overlaps(candidate.Start, candidate.End, o.Start, o.End) {
			continue
		}
		c := Conflict{Other: o, SameService: o.Service == candidate.Service, SameEnvironment: o.Environment == candidate.Environment,
			SharedComponents: SharedComponents(candidate.Components, o.Components)}
		if c.SameService || c.SameEnvironment || len(c.SharedComponents) > 0 {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Other.Start.Before(out[j].Other.Start) })
	return out
}

// SharedComponents are the component names in both a and b, sorted and
// without repeats; nil when they share none.
func SharedComponents(a, b []string) []string {
	in := make(map[string]bool, len(a))
	for _, n := range a {
		in[n] = true
	}
	var out []string
	for _, n := range b {
		if in[n] {
			out = append(out, n)
			delete(in, n)
		}
	}
	sort.Strings(out)
	return out
}

// FreezesHit lists the freezes that cover candidate's environment and overlap it.
func FreezesHit(candidate Slot, freezes []Freeze) []Freeze {
	var out []Freeze
	for _, f := range freezes {
		if f.Applies(candidate.Environment) && Overlaps(candidate.Start, candidate.End, f.Start, f.End) {
			out = append(out, f)
		}
	}
	return out
}

// SuggestRequest describes what slots to look for.
type SuggestRequest struct {
	Service     string
	Environment string
	Duration    time.Duration
	After       time.Time      // earliest start
	Location    *time.Location // the windows' time zone
	Windows     Windows
	Releases    []Slot   // active releases in the horizon
	Freezes     []Freeze // freezes in the horizon
	Count       int      // how many slots to return
	Horizon     time.Duration
}

// Suggestion is a proposed slot with the one-line reason it is good.
type Suggestion struct {
	Start, End time.Time
	Why        string
}

// suggestStep is the granularity of suggested start times.
const suggestStep = 30 * time.Minute

// Suggest returns up to Count slots, at most one a day, each the earliest
// start of its day that fits a release window and avoids freezes, overlaps on
// the same service or environment, and the days just before a freeze: the
// day it begins and the day before (a release then has no quiet day left to
// be fixed or rolled back).
func Suggest(req SuggestRequest) []Suggestion {
	if req.Count <= 0 {
		req.Count = 3
	}
	if req.Horizon <= 0 {
		req.Horizon = 60 * 24 * time.Hour
	}
	loc := req.Location
	if loc == nil {
		loc = time.UTC
	}
	earliest := req.After.In(loc).Truncate(time.Minute)
	if rem := earliest.Sub(earliest.Truncate(suggestStep)); rem > 0 {
		earliest = earliest.Add(suggestStep - rem)
	}
	limit := req.After.Add(req.Horizon)

	var out []Suggestion
	for day := startOfDay(earliest); day.Before(limit) && len(out) < req.Count; day = nextDay(day) {
		if freezeStartsSoon(day, req.Environment, req.Freezes) {
			continue
		}
		if s, ok := firstFreeSlot(req, day, earliest); ok {
			out = append(out, s)
		}
	}
	return out
}

func firstFreeSlot(req SuggestRequest, day, earliest time.Time) (Suggestion, bool) {
	for _, window := range req.Windows.ranges(day) {
		for start := window[0]; !start.Add(req.Duration).After(window[1]); start = start.Add(suggestStep) {
			if start.Before(earliest) {
				continue
			}
			cand := Slot{Service: req.Service, Environment: req.Environment, Start: start.UTC(), End: start.Add(req.Duration).UTC()}
			if len(FreezesHit(cand, req.Freezes)) > 0 || len(Conflicts(cand, req.Releases)) > 0 {
				continue
			}
			return Suggestion{Start: cand.Start, End: cand.End, Why: whySlot(req, day, window)}, true
		}
	}
	return Suggestion{}, false
}

func whySlot(req SuggestRequest, day time.Time, window [2]time.Time) string {
	sameEnv := 0
	dayEnd := nextDay(day)
	for _, r := range req.Releases {
		if r.Status.Active() && r.Environment == req.Environment && Overlaps(r.Start, r.End, day, dayEnd) {
			sameEnv++
		}
	}
	busy := fmt.Sprintf("no other %s release that day", req.Environment)
	switch sameEnv {
	case 0:
	case 1:
		busy = fmt.Sprintf("1 other %s release that day, not overlapping", req.Environment)
	default:
		busy = fmt.Sprintf("%d other %s releases that day, none overlapping", sameEnv, req.Environment)
	}
	return fmt.Sprintf("inside the %s–%s release window, no freeze near, %s",
		window[0].Format("Mon 15:04"), window[1].Format("15:04"), busy)
}

// freezeStartsSoon reports whether a freeze on env begins later on day or
// on the next calendar day.
func freezeStartsSoon(day time.Time, env string, freezes []Freeze) bool {
	after := nextDay(nextDay(day))
	for _, f := range freezes {
		if !f.Applies(env) {
			continue
		}
		start := f.Start.In(day.Location())
		if start.After(day) && start.Before(after) {
			return true
		}
	}
	return false
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// nextDay steps by calendar day, not by 24 hours, so DST changes do not
// shift the windows.
func nextDay(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, day.Location())
}
