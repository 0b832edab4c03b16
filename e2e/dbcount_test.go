package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/releasebot/releasebot/bot"
	"github.com/releasebot/releasebot/storage"
	"gorm.io/gorm"
)

// dbCounter counts what the bot asks of its database: every statement,
// and every commit. A statement outside a transaction is a transaction of
// its own on both databases; when it writes, it is counted as a commit
// too. It wraps the bot's connection pool (storage.WithConnPool), so the
// bot itself carries no counting code.
type dbCounter struct {
	mu sync.Mutex
	// handler is the work done for a user action (its context carries
	// bot.DeliveryFrom), background the rest: the outbox, the jobs.
	handler, background dbWork
	log                 []string
	// noLog keeps no SQL (benchmarks: the log would weigh in the RSS).
	noLog bool
}

// dbWork is what a piece of work cost the database.
type dbWork struct {
	Statements int // every statement, BEGIN and COMMIT not included
	Commits    int // transactions that committed, and writes outside one
	Rollbacks  int
	Reads      int // reads outside any transaction (not counted as commits)
}

func (w dbWork) plus(o dbWork) dbWork {
	return dbWork{w.Statements + o.Statements, w.Commits + o.Commits, w.Rollbacks + o.Rollbacks, w.Reads + o.Reads}
}

func (w dbWork) String() string {
	return fmt.Sprintf("%d statements, %d commits, %d rollbacks, %d reads outside a transaction", w.Statements, w.Commits, w.Rollbacks, w.Reads)
}

func (c *dbCounter) option() storage.Option {
	return storage.WithConnPool(func(p gorm.ConnPool) gorm.ConnPool { return &countingPool{ConnPool: p, c: c} })
}

// take returns what was counted since the last take, for user actions
// and for the rest, and starts afresh; the statements' SQL comes with it,
// for a failure message.
func (c *dbCounter) take() (handler, background dbWork, log []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	handler, background, log = c.handler, c.background, c.log
	c.handler, c.background, c.log = dbWork{}, dbWork{}, nil
	return handler, background, log
}

func (c *dbCounter) bucket(forHandler bool) *dbWork {
	if forHandler {
		return &c.handler
	}
	return &c.background
}

func (c *dbCounter) statement(query string, inTx, forHandler bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.bucket(forHandler)
	w.Statements++
	verb := strings.ToUpper(strings.Fields(strings.TrimSpace(query) + " ?")[0])
	switch {
	case inTx:
	case verb == "SELECT":
		w.Reads++
	default:
		w.Commits++
	}
	where := "bg    "
	if forHandler {
		where = "user  "
	}
	if inTx {
		where += "tx "
	} else {
		where += "   "
	}
	if !c.noLog {
		c.log = append(c.log, where+oneLine(query))
	}
}

func (c *dbCounter) end(committed, forHandler bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, who := c.bucket(forHandler), "bg    "
	if forHandler {
		who = "user  "
	}
	outcome := "COMMIT"
	if committed {
		w.Commits++
	} else {
		w.Rollbacks++
		outcome = "ROLLBACK"
	}
	if !c.noLog {
		c.log = append(c.log, who+outcome)
	}
}

func oneLine(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > 140 {
		q = q[:140] + "…"
	}
	return q
}

// summary groups the log by statement, most frequent first.
func summary(log []string) string {
	n := map[string]int{}
	for _, l := range log {
		n[l]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return n[keys[i]] > n[keys[j]] || n[keys[i]] == n[keys[j]] && keys[i] < keys[j] })
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %3d× %s\n", n[k], k)
	}
	return b.String()
}

type countingPool struct {
	gorm.ConnPool
	c    *dbCounter
	inTx bool
	// user is set on a transaction begun for a user action.
	user bool
}

func (p *countingPool) forHandler(ctx context.Context) bool {
	return p.user || bot.DeliveryFrom(ctx) != nil
}

func (p *countingPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.ConnPool.PrepareContext(ctx, query)
}

func (p *countingPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	p.c.statement(query, p.inTx, p.forHandler(ctx))
	return p.ConnPool.ExecContext(ctx, query, args...)
}

func (p *countingPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	p.c.statement(query, p.inTx, p.forHandler(ctx))
	return p.ConnPool.QueryContext(ctx, query, args...)
}

func (p *countingPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	p.c.statement(query, p.inTx, p.forHandler(ctx))
	return p.ConnPool.QueryRowContext(ctx, query, args...)
}

func (p *countingPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	var (
		tx  gorm.ConnPool
		err error
	)
	switch b := p.ConnPool.(type) {
	case gorm.TxBeginner:
		tx, err = b.BeginTx(ctx, opts)
	case gorm.ConnPoolBeginner:
		tx, err = b.BeginTx(ctx, opts)
	default:
		return nil, gorm.ErrInvalidTransaction
	}
	if err != nil {
		return nil, err
	}
	return &countingTx{countingPool{ConnPool: tx, c: p.c, inTx: true, user: p.forHandler(ctx)}}, nil
}

// countingTx is a transaction; the pool must not look like one, or gorm
// would nest every transaction in a savepoint.
type countingTx struct{ countingPool }

func (p *countingTx) Commit() error {
	err := p.ConnPool.(gorm.TxCommitter).Commit()
	p.c.end(err == nil, p.user)
	return err
}

func (p *countingTx) Rollback() error {
	p.c.end(false, p.user)
	return p.ConnPool.(gorm.TxCommitter).Rollback()
}

func (p *countingPool) GetDBConn() (*sql.DB, error) {
	if db, ok := p.ConnPool.(*sql.DB); ok {
		return db, nil
	}
	if g, ok := p.ConnPool.(gorm.GetDBConnector); ok {
		return g.GetDBConn()
	}
	return nil, nil
}
