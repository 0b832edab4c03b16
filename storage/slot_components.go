package storage

import "gorm.io/gorm"

// ComponentNames are the names of a release's components, for the
// calendar rules: releases sharing one conflict.
func ComponentNames(comps []ReleaseComponent) []string {
	if len(comps) == 0 {
		return nil
	}
	out := make([]string, len(comps))
	for i, c := range comps {
		out[i] = c.Name
	}
	return out
}

// loadComponents fills the components of calendar rows in one query, so
// that overlaps through a shared component are seen.
func loadComponents(db *gorm.DB, rows []Release) error {
	if len(rows) == 0 {
		return nil
	}
	at := make(map[int64]int, len(rows))
	ids := make([]int64, len(rows))
	for i := range rows {
		at[rows[i].ID] = i
		ids[i] = rows[i].ID
	}
	var comps []ReleaseComponent
	if err := db.Select("release_id, name").Where("release_id IN ?", ids).Order("release_id, id").Find(&comps).Error; err != nil {
		return translate(err, "read calendar components")
	}
	for _, c := range comps {
		i := at[c.ReleaseID]
		rows[i].Components = append(rows[i].Components, c)
	}
	return nil
}
