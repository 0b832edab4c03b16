package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrBackupExists refuses to overwrite a file with a backup.
var ErrBackupExists = errors.New("the backup file already exists")

// Backup copies a SQLite database to dest, a new file, consistently while
// the bot keeps running: VACUUM INTO reads one snapshot of the database
// through SQLite itself (never a half-written page, WAL included) and
// writes a compact copy. PostgreSQL is backed up with pg_dump; see
// docs/upgrading.md.
func Backup(ctx context.Context, target Target, dest string) error {
	if target.Dialect != SQLite {
		return errors.New("releasebot backup copies SQLite databases; back up PostgreSQL with pg_dump (see docs/upgrading.md)")
	}
	if _, err := os.Stat(target.Path); err != nil {
		return fmt.Errorf("back up %s: %w", target.Path, err)
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("%w: %s; choose a new name or remove it first", ErrBackupExists, dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("back up to %s: %w", dest, err)
	}
	db, err := sql.Open(sqliteDriver, target.DSN)
	if err != nil {
		return fmt.Errorf("open %s: %w", target.Path, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		return fmt.Errorf("back up %s to %s: %w", target.Path, dest, err)
	}
	return nil
}
