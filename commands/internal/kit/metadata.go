package kit

import (
	"fmt"
	"strconv"
	"strings"
)

// RowMetadata is a form's private metadata: the row it is about and the
// channel it was opened from, where the answer to its submission shows.
func RowMetadata(id int64, channel string) string {
	return strconv.FormatInt(id, 10) + "|" + channel
}

// ParseRowMetadata reads RowMetadata back.
func ParseRowMetadata(meta, form string) (int64, string, error) {
	idText, channel, _ := strings.Cut(meta, "|")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("%s form metadata %q: %w", form, meta, err)
	}
	return id, channel, nil
}
