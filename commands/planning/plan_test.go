package planning

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// testContext is ana in Berlin on Sunday 1 March 2026 at noon UTC.
func testContext(t testing.TB) parseContext {
	return parseContext{
		Caller: "U0ANA", Loc: mustLoad(t, "Europe/Berlin"),
		Now:          time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Environments: []string{"production", "staging", "development"},
	}
}

func TestParseNew(t *testing.T) {
	pc := testContext(t)
	p, fe := parseNew(`Billing 2.3.0 2026-03-10 10:00`, pc)
	if len(fe) > 0 {
		t.Fatalf("minimal: %v", fe)
	}
	want := plan{Service: "billing", Version: "2.3.0", Environment: "production", Type: release.TypeNormal, Risk: release.RiskMedium,
		Start: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), Duration: time.Hour, Owner: "U0ANA"}
	if !samePlan(p, want) || p.Start.Location() != time.UTC {
		t.Fatalf("minimal:\n got %+v\nwant %+v", p, want)
	}

	p, fe = parseNew(`billing v2.3.0-rc.1 2026-04-01 16:30 env=staging type=Emergency risk=HIGH duration=1h30m owner=<@U0BEN|ben> `+
		`title=“Quarterly billing fix” impact="Checkout is read-only for 5 minutes" rollback='redeploy 2.2.9' `+
		`components="api@2.3.0, worker@1.4.1" reason="card processor outage"`, pc)
	if len(fe) > 0 {
		t.Fatalf("full: %v", fe)
	}
	want = plan{Service: "billing", Version: "v2.3.0-rc.1", Environment: "staging", Type: release.TypeEmergency, Risk: release.RiskHigh,
		Start:    time.Date(2026, 4, 1, 14, 30, 0, 0, time.UTC), // CEST is UTC+2
		Duration: 90 * time.Minute, Owner: "U0BEN", Title: "Quarterly billing fix", Impact: "Checkout is read-only for 5 minutes",
		Rollback: "redeploy 2.2.9", Reason: "card processor outage",
		Components: []storage.ReleaseComponent{{Name: "api", Version: "2.3.0"}, {Name: "worker", Version: "1.4.1"}}}
	if !samePlan(p, want) || p.Reason != want.Reason {
		t.Fatalf("full:\n got %+v\nwant %+v", p, want)
	}

	// The same words typed by ben in New York mean another instant.
	ny := pc
	ny.Loc = mustLoad(t, "America/New_York")
	p, fe = parseNew(`billing 2.3.0 2026-03-10 10:00`, ny)
	if len(fe) > 0 || !p.Start.Equal(time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)) { // EDT since 8 March
		t.Fatalf("New York: %v %v", p.Start, fe)
	}
}

func TestParseNewErrors(t *testing.T) {
	pc := testContext(t)
	ok := "billing 2.3.0 2026-03-10 10:00"
	for _, tc := range []struct {
		name, in string
		want     []fieldError // Field and a part of Message
	}{
		{"too few words", "billing 2.3.0 2026-03-10", []fieldError{{"", "I need a service, a version, a date and a time, in that order: `/release new <service>"}}},
		{"too many words", ok + " extra", []fieldError{{"", "I need a service, a version, a date and a time"}}},
		{"unknown key", ok + " colour=red", []fieldError{{"", "Unknown option `colour`; valid options are `env`, `type`, `risk`, `duration`, `owner`, `title`, `impact`, `rollback`, `components`, `reason`, `fixes`."}}},
		{"duplicate key", ok + " env=staging env=production", []fieldError{{"", "Option `env` is given twice."}}},
		{"unclosed quote", ok + ` title="fix`, []fieldError{{"", "A quote is not closed"}}},
		{"date in the past", "billing 2.3.0 2026-02-27 10:00", []fieldError{{"start", "The start (Fri 27 Feb 2026 10:00 CET) is in the past; pick a time after now."}}},
		{"earlier today", "billing 2.3.0 2026-03-01 12:59", []fieldError{{"start", "is in the past"}}},
		{"not a date", "billing 2.3.0 10.03.2026 10:00", []fieldError{{"start", `"10.03.2026" is not a date; write dates as YYYY-MM-DD, e.g. 2026-12-03.`}}},
		{"no such day", "billing 2.3.0 2026-02-30 10:00", []fieldError{{"start", `"2026-02-30" is not a date`}}},
		{"not a time", "billing 2.3.0 2026-03-10 10am", []fieldError{{"start", `"10am" is not a time; write times as HH:MM on a 24-hour clock, e.g. 14:30.`}}},
		{"time in the clock change", "billing 2.3.0 2026-03-29 02:30", []fieldError{{"start", "2026-03-29 02:30 does not exist in Europe/Berlin (the clocks change that night); pick another time."}}},
		{"bad duration", ok + " duration=90", []fieldError{{"duration", `"90" is not a duration; write it like 45m, 2h or 1h30m.`}}},
		{"zero duration", ok + " duration=0m", []fieldError{{"duration", `"0m" is too short; a release takes at least 1m.`}}},
		{"long duration", ok + " duration=100h", []fieldError{{"duration", `"100h" is longer than 72h; split the work into several releases.`}}},
		{"unknown environment", ok + " env=qa", []fieldError{{"env", `"qa" is not an environment here; use production, staging, development.`}}},
		{"unknown type", ok + " type=urgent", []fieldError{{"type", `"urgent" is not a release type; use standard, normal or emergency.`}}},
		{"unknown risk", ok + " risk=extreme", []fieldError{{"risk", `"extreme" is not a risk level; use low, medium or high.`}}},
		{"service with a space", `"billing api" 2.3.0 2026-03-10 10:00`, []fieldError{{"service", `"billing api" is not a valid service name: use 1 to 64 lower-case letters, digits, '.', '_' or '-'.`}}},
		{"service with a symbol", "bill$ing 2.3.0 2026-03-10 10:00", []fieldError{{"service", `"bill$ing" is not a valid service name`}}},
		{"service too long", strings.Repeat("s", 65) + " 2.3.0 2026-03-10 10:00", []fieldError{{"service", "is not a valid service name"}}},
		{"bad version", "billing 2.3.0/beta 2026-03-10 10:00", []fieldError{{"version", `"2.3.0/beta" is not a valid version`}}},
		{"owner not a person", ok + " owner=@ben", []fieldError{{"owner", `owner: "@ben" is not a person; mention them, like @ana.`}}},
		{"title too long", ok + ` title="` + strings.Repeat("t", 151) + `"`, []fieldError{{"title", "The title is 151 characters long; keep it within 150."}}},
		{"title of 151 wide characters", ok + ` title="` + strings.Repeat("é", 151) + `"`, []fieldError{{"title", "The title is 151 characters long"}}},
		{"impact too long", ok + ` impact="` + strings.Repeat("i", 2001) + `"`, []fieldError{{"impact", "The impact is 2001 characters long; keep it within 2000."}}},
		{"rollback too long", ok + ` rollback="` + strings.Repeat("r", 2001) + `"`, []fieldError{{"rollback", "The rollback plan is 2001 characters long; keep it within 2000."}}},
		{"reason too long", ok + ` reason="` + strings.Repeat("r", 501) + `"`, []fieldError{{"reason", "The reason is 501 characters long; keep it within 500."}}},
		{"bad component", ok + ` components="api"`, []fieldError{{"components", `"api" is not a component; write components as name@version`}}},
		{"component twice", ok + ` components="api@1.0,API@2.0"`, []fieldError{{"components", `component "api" is listed twice.`}}},
		{"everything at once", "bill$ing 2.3.0 2026-02-27 10:00 type=big risk=huge duration=9x env=qa", []fieldError{
			{"type", `"big"`}, {"risk", `"huge"`}, {"duration", `"9x"`}, {"service", `"bill$ing"`}, {"env", `"qa"`}, {"start", "in the past"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, fe := parseNew(tc.in, pc)
			if len(fe) != len(tc.want) {
				t.Fatalf("%d errors, want %d: %+v", len(fe), len(tc.want), fe)
			}
			for i, w := range tc.want {
				if fe[i].Field != w.Field || !strings.Contains(fe[i].Message, w.Message) {
					t.Errorf("error %d = %s: %q; want %s: …%q…", i, fe[i].Field, fe[i].Message, w.Field, w.Message)
				}
			}
			msg := fe.message("I couldn't plan that release:")
			if !strings.HasPrefix(msg, "I couldn't plan that release:") || !strings.Contains(msg, tc.want[0].Message) {
				t.Errorf("message: %q", msg)
			}
		})
	}
}
func TestParseComponents(t *testing.T) {
	for _, tc := range []struct {
		in, want, errPart string
	}{
		{in: "", want: ""},
		{in: " , ", want: ""},
		{in: "api@2.3.0,worker@1.4.1", want: "api@2.3.0,worker@1.4.1"},
		{in: " API @ 2.3.0 , worker@v1.4.1-rc.1 ,", want: "api@2.3.0,worker@v1.4.1-rc.1"},
		{in: "api", errPart: `"api" is not a component; write components as name@version, e.g. components="api@2.3.0,worker@1.4.1".`},
		{in: "api@", errPart: `"api@" is not a component`},
		{in: "@1.0", errPart: `"@1.0" is not a component`},
		{in: "my api@1.0", errPart: `"my api@1.0" is not a component`},
		{in: "api@1.0,api@1.1", errPart: `component "api" is listed twice.`},
		{in: manyComponents(21), errPart: "21 components is more than 20; list the main ones."},
		{in: manyComponents(20), want: manyComponents(20)},
	} {
		comps, err := parseComponents(tc.in)
		if tc.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errPart) {
				t.Errorf("parseComponents(%q) = %v, %v; want an error with %q", tc.in, comps, err, tc.errPart)
			}
			continue
		}
		if err != nil || componentsText(comps) != tc.want {
			t.Errorf("parseComponents(%q) = %q, %v; want %q", tc.in, componentsText(comps), err, tc.want)
		}
	}
}

func manyComponents(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("c%d@1.%d", i, i)
	}
	return strings.Join(parts, ",")
}

// Every field a form can be refused for is an input block of the form, so
// Slack shows the error beside the field instead of rejecting the answer.
func TestModalErrorsNameInputBlocks(t *testing.T) {
	pc := testContext(t)
	view := releaseModal(CallbackNew, "New release", "Plan", modalState{Channel: "C1"}, plan{Owner: "U0ANA", Environment: "production", Type: defaultType, Risk: defaultRisk, Duration: time.Hour}, pc.Environments, pc.Now)
	inputs := map[string]bool{}
	for _, b := range view.Blocks.BlockSet {
		if in, ok := b.(*slack.InputBlock); ok {
			inputs[in.BlockID] = true
		}
	}
	for _, want := range []string{"service", "version", "env", "type", "risk", "start", "duration", "owner", "components", "title", "impact", "rollback", "reason"} {
		if !inputs[want] {
			t.Errorf("the form has no input %q", want)
		}
	}
	state := func(values map[string]slack.BlockAction) *slack.View {
		v := &slack.View{State: &slack.ViewState{Values: map[string]map[string]slack.BlockAction{}}}
		for k, a := range values {
			v.State.Values[k] = map[string]slack.BlockAction{"v": a}
		}
		return v
	}
	bad := state(map[string]slack.BlockAction{
		"service": {Value: "bill$ing"}, "version": {Value: "1 0"}, "env": {SelectedOption: slack.OptionBlockObject{Value: "qa"}},
		"type": {}, "risk": {}, "start": {SelectedDateTime: pc.Now.Add(-time.Hour).Unix()}, "duration": {Value: "forever"},
		"components": {Value: "api"}, "title": {Value: strings.Repeat("t", 151)}, "impact": {Value: strings.Repeat("i", 2001)},
		"rollback": {Value: strings.Repeat("r", 2001)}, "reason": {Value: strings.Repeat("r", 501)},
	})
	_, fe := readModal(bad, pc)
	errs := fe.modal()
	for field := range errs {
		if !inputs[field] {
			t.Errorf("error for %q, which is not an input of the form", field)
		}
	}
	for _, want := range []string{"service", "version", "env", "type", "risk", "start", "duration", "owner", "components", "title", "impact", "rollback", "reason"} {
		if errs[want] == "" {
			t.Errorf("no error for %q: %v", want, errs)
		}
	}

	good := state(map[string]slack.BlockAction{
		"service": {Value: " Billing "}, "version": {Value: "2.3.0"}, "env": {SelectedOption: slack.OptionBlockObject{Value: "staging"}},
		"type": {SelectedOption: slack.OptionBlockObject{Value: "standard"}}, "risk": {SelectedOption: slack.OptionBlockObject{Value: "low"}},
		"start": {SelectedDateTime: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC).Unix()}, "duration": {Value: "45m"}, "owner": {SelectedUser: "U0BEN"},
		"components": {Value: "api@2.3.0"},
	})
	p, fe := readModal(good, pc)
	if len(fe) > 0 {
		t.Fatalf("good form refused: %v", fe)
	}
	if p.Service != "billing" || p.Environment != "staging" || p.Type != release.TypeStandard || p.Risk != release.RiskLow ||
		p.Duration != 45*time.Minute || p.Owner != "U0BEN" || componentsText(p.Components) != "api@2.3.0" ||
		!p.Start.Equal(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("read %+v", p)
	}

	// The edit form shows the release as it is.
	r := &storage.Release{ID: 17, Service: "billing", Version: "2.3.0", Environment: "staging", Type: "emergency", Risk: "high",
		StartAt: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), EndAt: time.Date(2026, 3, 10, 10, 30, 0, 0, time.UTC), OwnerID: "U0BEN",
		Title: "Fix", Impact: "None", RollbackPlan: "Redeploy", FreezeReason: "outage",
		Components: []storage.ReleaseComponent{{Name: "api", Version: "2.3.0"}}}
	edit := releaseModal(CallbackEdit, "Edit "+r.HumanID(), "Save", modalState{Channel: "C1", ReleaseID: 17, Revision: 3}, fromRelease(r), pc.Environments, pc.Now)
	st, err := decodeModalState(edit.PrivateMetadata)
	if err != nil || st.ReleaseID != 17 || st.Revision != 3 || st.Channel != "C1" {
		t.Fatalf("metadata %q: %+v %v", edit.PrivateMetadata, st, err)
	}
	initial := map[string]string{}
	for _, b := range edit.Blocks.BlockSet {
		in, ok := b.(*slack.InputBlock)
		if !ok {
			continue
		}
		switch el := in.Element.(type) {
		case *slack.PlainTextInputBlockElement:
			initial[in.BlockID] = el.InitialValue
		case *slack.SelectBlockElement:
			if el.InitialOption != nil {
				initial[in.BlockID] = el.InitialOption.Value
			} else {
				initial[in.BlockID] = el.InitialUser
			}
		case *slack.RadioButtonsBlockElement:
			initial[in.BlockID] = el.InitialOption.Value
		case *slack.DateTimePickerBlockElement:
			initial[in.BlockID] = fmt.Sprint(el.InitialDateTime)
		}
	}
	want := map[string]string{"service": "billing", "version": "2.3.0", "env": "staging", "type": "emergency", "risk": "high",
		"start": fmt.Sprint(r.StartAt.Unix()), "duration": "1h30m", "owner": "U0BEN", "components": "api@2.3.0",
		"title": "Fix", "impact": "None", "rollback": "Redeploy", "reason": "outage"}
	for k, v := range want {
		if initial[k] != v {
			t.Errorf("edit form %s = %q, want %q", k, initial[k], v)
		}
	}
}

func TestFieldErrors(t *testing.T) {
	var fe fieldErrors
	fe.add("start", "First %s.", "problem")
	fe.add("start", "Second.")
	fe.add("env", "Third.")
	if m := fe.modal(); len(m) != 2 || m["start"] != "First problem." || m["env"] != "Third." {
		t.Fatalf("modal %v", m)
	}
	if got := fe.message("Nope:"); got != "Nope:\n• First problem.\n• Second.\n• Third." {
		t.Fatalf("message %q", got)
	}
	if got := fe[:1].message("Nope:"); got != "Nope: First problem." {
		t.Fatalf("message %q", got)
	}
}

func TestDescribeChange(t *testing.T) {
	a := plan{Service: "billing", Version: "2.3.0", Environment: "production", Type: "normal", Risk: "medium",
		Start: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), Duration: time.Hour, Owner: "U0ANA"}
	b := a
	b.Version, b.Start, b.Duration, b.Title = "2.3.1", a.Start.Add(24*time.Hour), 2*time.Hour, "new title"
	want := "version 2.3.0 → 2.3.1; start Tue 10 Mar 09:00 UTC → Wed 11 Mar 09:00 UTC; duration 1h → 2h; title updated"
	if got := describeChange(a, b); got != want {
		t.Fatalf("describeChange = %q, want %q", got, want)
	}
	if !samePlan(a, a) || samePlan(a, b) {
		t.Fatalf("samePlan")
	}
	// In Slack each reader sees the times in their own zone and the people
	// as mentions; typed text stays text.
	c := a
	c.Start, c.Owner, c.Version = a.Start.Add(time.Hour), "U0BEN", "2.3.0<b>&"
	wantSlack := "version 2.3.0 → 2.3.0&lt;b&gt;&amp;; start <!date^1773133200^{date_short_pretty} {time}|Tue 10 Mar 2026 09:00 UTC> → " +
		"<!date^1773136800^{date_short_pretty} {time}|Tue 10 Mar 2026 10:00 UTC>; owner <@U0ANA> → <@U0BEN>"
	if got := describeChangeMrkdwn(a, c); got != wantSlack {
		t.Fatalf("describeChangeMrkdwn = %q, want %q", got, wantSlack)
	}
}
