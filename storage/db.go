// Package storage keeps releasebot's state in a relational database through
// gorm: PostgreSQL in production, an embedded SQLite file by default.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DefaultSQLiteFile is where the bot keeps its state when DATABASE_URL is empty.
const DefaultSQLiteFile = "releasebot.db"

// Target is a parsed DATABASE_URL.
type Target struct {
	Dialect string
	// DSN is what the driver receives; for SQLite it already carries the
	// pragmas the bot relies on.
	DSN string
	// Path is the SQLite file, for messages.
	Path string
	// probeDSN is DSN with a short busy timeout, for CheckWritable.
	probeDSN string
}

// Redacted is the database for logs: the URL without its password, or the
// SQLite file.
func (t Target) Redacted() string {
	if t.Dialect == SQLite {
		return "sqlite:" + t.Path
	}
	u, err := url.Parse(t.DSN)
	if err != nil {
		return "postgres://(malformed)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// ParseURL reads DATABASE_URL: empty → releasebot.db; sqlite:PATH,
// sqlite://PATH or file:PATH → that SQLite file; postgres:// or
// postgresql:// → PostgreSQL.
func ParseURL(raw string) (Target, error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return sqliteTarget(DefaultSQLiteFile, nil)
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return Target{}, errors.New("the PostgreSQL URL is malformed; write it like postgres://user:password@host:5432/dbname?sslmode=disable")
		}
		return Target{Dialect: Postgres, DSN: raw}, nil
	case strings.HasPrefix(raw, "sqlite:"), strings.HasPrefix(raw, "file:"):
		rest := raw[strings.Index(raw, ":")+1:]
		rest = strings.TrimPrefix(rest, "//")
		path, query, _ := strings.Cut(rest, "?")
		if path == "" {
			return Target{}, errors.New("the SQLite URL names no file; write it like sqlite:/var/lib/releasebot/releasebot.db")
		}
		q, err := url.ParseQuery(query)
		if err != nil {
			return Target{}, fmt.Errorf("the SQLite URL's options are malformed: %w", err)
		}
		return sqliteTarget(path, q)
	}
	return Target{}, errors.New("unsupported database URL: use postgres://…, sqlite:PATH, file:PATH, or leave it empty for releasebot.db")
}

// sqliteTarget turns on what the bot needs of SQLite: WAL so readers never
// wait for the writer, a busy timeout so concurrent writers queue instead of
// failing, foreign keys (off by default in SQLite), and IMMEDIATE
// transactions so a read-then-write transaction takes the write lock up
// front and cannot fail half-way with SQLITE_BUSY.
func sqliteTarget(path string, extra url.Values) (Target, error) {
	dsn := func(busyTimeout time.Duration) string {
		q := url.Values{}
		for k, vs := range extra {
			q[k] = vs
		}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		// The driver already writes times in SQLite's own format, which sorts
		// correctly as text for UTC values; do not add _time_format: this
		// driver version stops reading options after it, losing _txlock.
		q.Set("_txlock", "immediate")
		return "file:" + path + "?" + q.Encode()
	}
	return Target{Dialect: SQLite, DSN: dsn(10 * time.Second), Path: path, probeDSN: dsn(probeBusyTimeout)}, nil
}

// Store is the database.
type Store struct {
	db      *gorm.DB
	dialect string
	// path is the SQLite file; empty for PostgreSQL.
	path string
	// probe is a connection of its own to the SQLite file, with a short
	// busy timeout, for CheckWritable.
	probe *sql.DB
	slow  time.Duration
	now   func() time.Time
	log   *slog.Logger
	// beforeRetry, when set, is told of each transaction InTxRetry is
	// about to run again; tests use it to end the contention they caused.
	beforeRetry func(attempt int, err error)
	// kinds is what the outbox queries know of each kind (outbox.go).
	kinds atomic.Pointer[outboxKinds]
	// wrapPool, when set, wraps the connection pool gorm uses; tests count
	// statements and commits through it.
	wrapPool func(gorm.ConnPool) gorm.ConnPool
}

// Option changes how Open sets the store up.
type Option func(*Store)

// WithClock makes the store stamp rows with clock instead of time.Now.
func WithClock(clock func() time.Time) Option { return func(s *Store) { s.now = clock } }

// WithLogger sets the logger for slow queries and migrations.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// WithConnPool wraps the connection pool every query goes through. It is a
// seam for tests that count statements and commits; the bot sets none.
func WithConnPool(wrap func(gorm.ConnPool) gorm.ConnPool) Option {
	return func(s *Store) { s.wrapPool = wrap }
}

// WithSlowQuery sets how long a query runs before it is logged as slow
// (default 500ms).
func WithSlowQuery(d time.Duration) Option { return func(s *Store) { s.slow = d } }

// Open connects, checks the connection and migrates the schema.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	target, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return OpenTarget(ctx, target, opts...)
}

// OpenTarget is Open for an already parsed URL.
func OpenTarget(ctx context.Context, target Target, opts ...Option) (*Store, error) {
	s := &Store{dialect: target.Dialect, path: target.Path, now: time.Now, log: slog.Default(), slow: defaultSlowQuery}
	for _, o := range opts {
		o(s)
	}
	var dialector gorm.Dialector
	switch target.Dialect {
	case SQLite:
		dialector = sqlite.Open(target.DSN)
	case Postgres:
		dialector = postgres.Open(target.DSN)
	default:
		return nil, fmt.Errorf("unknown database dialect %q", target.Dialect)
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger:                 newGormLogger(s.log, s.slow),
		NowFunc:                func() time.Time { return s.now().UTC() },
		TranslateError:         true,
		SkipDefaultTransaction: true,
		PrepareStmt:            false,
		// Ping below tells an unreachable server from other failures.
		DisableAutomaticPing: true,
	})
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", target.Dialect, err)
	}
	if s.wrapPool != nil {
		db.ConnPool = s.wrapPool(db.ConnPool)
		db.Statement.ConnPool = db.ConnPool
	}
	s.db = db
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", target.Dialect, err)
	}
	switch target.Dialect {
	case SQLite:
		// One writer at a time anyway; a few connections let reads run
		// beside it.
		sqlDB.SetMaxOpenConns(4)
	case Postgres:
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		if target.Dialect == Postgres {
			return nil, fmt.Errorf("%w: %w", ErrUnreachable, err)
		}
		// A SQLite file that cannot be opened is a setting to fix, not a
		// server to wait for.
		return nil, err
	}
	if target.Dialect == SQLite {
		if s.probe, err = sql.Open(sqliteDriver, target.probeDSN); err != nil {
			_ = sqlDB.Close()
			return nil, fmt.Errorf("open %s database: %w", target.Dialect, err)
		}
		s.probe.SetMaxOpenConns(1)
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// Dialect is SQLite or Postgres.
func (s *Store) Dialect() string { return s.dialect }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now().UTC() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("database handle: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("reach %s database: %w", s.dialect, err)
	}
	return nil
}

// Close releases the connections.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("database handle: %w", err)
	}
	if s.probe != nil {
		_ = s.probe.Close()
	}
	return sqlDB.Close()
}

// ErrUnreachable marks an Open that failed because the PostgreSQL server did
// not answer: worth trying again, unlike a malformed URL or a failed
// migration.
var ErrUnreachable = errors.New("database unreachable")

// ErrNotWritable is CheckWritable's answer when the database answers but
// would not take a write now.
var ErrNotWritable = errors.New("database not writable")

// probeBusyTimeout bounds how long CheckWritable waits for SQLite's write
// lock: a writer of this process holds it for milliseconds, another process
// that holds it longer is what readiness must report.
const probeBusyTimeout = 500 * time.Millisecond

// sqliteDriver is the database/sql name glebarez/sqlite registers.
const sqliteDriver = "sqlite"

// CheckWritable tells whether a write could start now. SQLite: it takes the
// write lock (BEGIN IMMEDIATE) with a short busy timeout and rolls back, so
// another process holding the lock makes it fail. PostgreSQL: the server
// answers and accepts writes (not a standby, not read-only).
func (s *Store) CheckWritable(ctx context.Context) error {
	if err := s.Ping(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if s.dialect == SQLite {
		// The probe's DSN asks for IMMEDIATE transactions: BEGIN takes
		// the write lock or fails once the busy timeout runs out.
		tx, err := s.probe.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("%w: cannot take the write lock (does another process hold it?): %w", ErrNotWritable, err)
		}
		if err := tx.Rollback(); err != nil {
			return fmt.Errorf("%w: release the write lock: %w", ErrNotWritable, err)
		}
		return nil
	}
	var readOnly string
	if err := s.db.WithContext(ctx).Raw("SELECT current_setting('transaction_read_only')").Scan(&readOnly).Error; err != nil {
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	if readOnly == "on" {
		return fmt.Errorf("%w: the server is read-only (a standby?)", ErrNotWritable)
	}
	return nil
}

// Gorm exposes the handle for the few queries that read across tables.
func (s *Store) Gorm(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// gormLogger sends gorm's warnings and errors to slog; record-not-found is
// an answer, not an error. It logs SQL as written, with placeholders and
// never the values bound to them: those are what users typed (titles,
// impact, reasons).
type gormLogger struct {
	log   *slog.Logger
	level logger.LogLevel
	slow  time.Duration
}

func newGormLogger(l *slog.Logger, slow time.Duration) logger.Interface {
	return &gormLogger{log: l, level: logger.Warn, slow: slow}
}

func (g *gormLogger) LogMode(level logger.LogLevel) logger.Interface {
	return &gormLogger{log: g.log, level: level, slow: g.slow}
}

// ParamsFilter makes gorm hand Trace the SQL without its values.
func (g *gormLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}

func (g *gormLogger) Info(ctx context.Context, msg string, args ...any) {
	if g.level >= logger.Info {
		g.log.InfoContext(ctx, fmt.Sprintf(msg, args...))
	}
}

func (g *gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	if g.level >= logger.Warn {
		g.log.WarnContext(ctx, fmt.Sprintf(msg, args...))
	}
}

func (g *gormLogger) Error(ctx context.Context, msg string, args ...any) {
	if g.level >= logger.Error {
		g.log.ErrorContext(ctx, fmt.Sprintf(msg, args...))
	}
}

const defaultSlowQuery = 500 * time.Millisecond

func (g *gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	switch {
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound) && !errors.Is(err, context.Canceled) && g.level >= logger.Warn:
		// Debug only: a driver's error may quote the values.
		sql, _ := fc()
		g.log.DebugContext(ctx, "query failed", "sql", sql, "err", err, "duration_ms", elapsed.Milliseconds())
	case elapsed > g.slow && g.level >= logger.Warn:
		sql, rows := fc()
		g.log.WarnContext(ctx, "slow query", "sql", sql, "rows", rows, "duration_ms", elapsed.Milliseconds())
	}
}
