package delivery

import (
	"testing"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/storage"
)

// The queue's behaviour per kind comes from the registry alone: the kinds
// whose order users see are ordered, and the messages others wait for
// record where they landed.
func TestKindSpecs(t *testing.T) {
	specs := map[string]storage.KindSpec{}
	for _, s := range Specs() {
		if _, dup := specs[s.Name]; dup {
			t.Fatalf("kind %s twice", s.Name)
		}
		specs[s.Name] = s
	}
	if len(specs) != 24 {
		t.Errorf("%d kinds registered, want 24", len(specs))
	}
	for name, want := range map[string]storage.KindSpec{
		"notification":     {Name: "notification", Ordering: storage.PerDestination},
		"thread_note":      {Name: "thread_note", Ordering: storage.PerDestination},
		"announcement":     {Name: "announcement", Landing: storage.LandsAnnouncement},
		"approval_request": {Name: "approval_request", Landing: storage.LandsApprovalRequest},
		"round_progress":   {Name: "round_progress", Landing: storage.LandsRoundProgress},
		"reminder":         {Name: "reminder"},
		"admin_alert":      {Name: "admin_alert"},
	} {
		if specs[name] != want {
			t.Errorf("%s: %+v, want %+v", name, specs[name], want)
		}
	}
	if (&Resolver{}).AlertKind() != "admin_alert" {
		t.Error("the admins' alerts are not a registered kind")
	}
}

// Every message a change enqueues carries a registered kind: a kind
// missing from the registry would be sent as plain text, unordered.
func TestConstructorsUseRegisteredKinds(t *testing.T) {
	r := &storage.Release{ID: 7, Channel: "C1", OwnerID: "U1"}
	a := storage.RoundApprover{ID: 3, UserID: "U2"}
	for _, m := range []*storage.OutboxMessage{
		announce(r), threadNote(r, EvEdited, "x"), notificationTo(r, EvEdited, "C2", "{}"),
		AskApprover(7, a), UpdateApprovalDM(7, 3, "s"), RepairApprovalDM(7, 3, "s"), PostProgress(7, 4), UpdateProgress(7, 4, "s"),
		AnnouncementRoundUpdate(7, 4, "s"), plannedOverdue(r), Nudge(7, a, 1, bot.Message{Text: "t"}), Escalation(7, 4, "U3", bot.Message{Text: "t"}), Digest("C1", "2026-03-02", bot.Message{Text: "t"}),
	} {
		if _, ok := kinds[m.Kind]; !ok {
			t.Errorf("%s: kind %q is not registered", m.Key, m.Kind)
		}
	}
}
