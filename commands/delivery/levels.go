package delivery

// Levels of subscription. Milestones are what people affected by a
// release need: planned (with its impact), the heads-up 24 hours before,
// started, finished, cancelled, moved or expired. All adds approval
// progress, rejections and edits, for the people who follow the process.
const (
	LevelMilestones = "milestones"
	LevelAll        = "all"
)

// Levels lists the levels people may choose.
var Levels = []string{LevelMilestones, LevelAll}

var milestoneEvents = map[Event]bool{
	EvPlanned: true, EvRescheduled: true, EvCancelled: true, EvStarted: true,
	EvCompleted: true, EvFailed: true, EvRolledBack: true, EvExpired: true,
}

// LevelOf is a subscription's level: its own, else the default of its
// target's kind, milestones for a person and all for a channel (a
// release channel follows the process).
func LevelOf(level, targetKind string) string {
	switch {
	case level != "":
		return level
	case targetKind == "user":
		return LevelMilestones
	}
	return LevelAll
}

// hears reports whether a subscriber at level hears about ev.
func hears(level string, ev Event) bool {
	return milestoneEvents[ev] || (level == LevelAll && subscriberEvents[ev])
}
