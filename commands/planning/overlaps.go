package planning

import (
	"strings"

	"github.com/releasebot/releasebot/release"
	"github.com/releasebot/releasebot/storage"
)

// overlapMarks says, per release of the calendar, which of the others it
// overlaps on its service, environment or a component, so the calendar shows the
// conflicts its readers must decide about.
func overlapMarks(rows []storage.Release) map[int64]string {
	slots := make([]release.Slot, len(rows))
	for i := range rows {
		slots[i] = rows[i].Slot()
	}
	marks := map[int64]string{}
	for i := range rows {
		cs := release.Conflicts(slots[i], slots)
		if len(cs) == 0 {
			continue
		}
		ids := make([]string, len(cs))
		for j, c := range cs {
			ids[j] = c.Other.ID.String()
		}
		marks[rows[i].ID] = " :warning: overlaps " + strings.Join(ids, ", ")
	}
	return marks
}
