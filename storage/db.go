// Package storage keeps releasebot's state in a relational database through
// gorm: PostgreSQL in production, an embedded SQLite file by default.
package storage

import (
	"context"
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
	q := url.Values{}
	for k, vs := range extra {
		q[k] = vs
	}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// The driver already writes times in SQLite's own format, which sorts
	// correctly as text for UTC values; do not add _time_format: this
	// driver version stops reading options after it, losing _txlock.
	q.Set("_txlock", "immediate")
	return Target{Dialect: SQLite, DSN: "file:" + path + "?" + q.Encode(), Path: path}, nil
}

// Store is the database.
type Store struct {
	db      *gorm.DB
	dialect string
	now     func() time.Time
	log     *slog.Logger
	// beforeRetry, when set, is told of each transaction InTxRetry is
	// about to run again; tests use it to end the contention they caused.
	beforeRetry func(attempt int, err error)
	// kinds is what the outbox queries know of each kind (outbox.go).
	kinds atomic.Pointer[outboxKinds]
}

// Option changes how Open sets the store up.
type Option func(*Store)

// WithClock makes the store stamp rows with clock instead of time.Now.
func WithClock(clock func() time.Time) Option { return func(s *Store) { s.now = clock } }

// WithLogger sets the logger for slow queries and migrations.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

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
	s := &Store{dialect: target.Dialect, now: time.Now, log: slog.Default()}
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
		Logger:                 newGormLogger(s.log),
		NowFunc:                func() time.Time { return s.now().UTC() },
		TranslateError:         true,
		SkipDefaultTransaction: true,
		PrepareStmt:            false,
	})
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", target.Dialect, err)
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
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		_ = sqlDB.Close()
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
	return sqlDB.Close()
}

// Gorm exposes the handle for the few queries that read across tables.
func (s *Store) Gorm(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// gormLogger sends gorm's warnings and errors to slog; record-not-found is
// an answer, not an error.
type gormLogger struct {
	log   *slog.Logger
	level logger.LogLevel
}

func newGormLogger(l *slog.Logger) logger.Interface {
	return &gormLogger{log: l, level: logger.Warn}
}

func (g *gormLogger) LogMode(level logger.LogLevel) logger.Interface {
	return &gormLogger{log: g.log, level: level}
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

const slowQuery = 500 * time.Millisecond

func (g *gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	switch {
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound) && !errors.Is(err, context.Canceled) && g.level >= logger.Warn:
		sql, _ := fc()
		g.log.DebugContext(ctx, "query failed", "sql", sql, "err", err, "duration", elapsed)
	case elapsed > slowQuery && g.level >= logger.Warn:
		sql, rows := fc()
		g.log.WarnContext(ctx, "slow query", "sql", sql, "rows", rows, "duration", elapsed)
	}
}
