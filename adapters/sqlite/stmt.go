package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// pool is a connection pool that prepares each query once and reuses the
// statement: parsing SQL costs more than running these small queries.
type pool struct {
	*sql.DB
	stmts sync.Map // query → *sql.Stmt
}

func newPool(db *sql.DB) *pool { return &pool{DB: db} }

// stmt returns the prepared statement of q, preparing it on first use.
func (p *pool) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := p.stmts.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := p.DB.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := p.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// ExecContext runs q as a prepared statement.
func (p *pool) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := p.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// QueryContext runs q as a prepared statement.
func (p *pool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := p.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext runs q as a prepared statement. A failed preparation
// surfaces at Scan, as with sql.DB.
func (p *pool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := p.stmt(ctx, q)
	if err != nil {
		return p.DB.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// Close closes the statements, then the pool.
func (p *pool) Close() error {
	p.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	return p.DB.Close()
}

// wtx is a write transaction whose queries use the writer's prepared
// statements. The writer has a single connection, held by the
// transaction: a statement not prepared yet cannot be prepared now, so it
// runs unprepared and is prepared once the transaction is over.
type wtx struct {
	*sql.Tx
	p      *pool
	missed []string
}

func (t *wtx) cached(q string) (*sql.Stmt, bool) {
	st, ok := t.p.stmts.Load(q)
	if !ok {
		t.missed = append(t.missed, q)
		return nil, false
	}
	return st.(*sql.Stmt), true
}

// ExecContext runs q in the transaction, prepared when it can be.
func (t *wtx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st, ok := t.cached(q); ok {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, q, args...)
}

// QueryRowContext runs q in the transaction, prepared when it can be.
func (t *wtx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st, ok := t.cached(q); ok {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, q, args...)
}

// prepareMissed prepares the statements a transaction ran unprepared; a
// failure only means they stay unprepared.
func (t *wtx) prepareMissed(ctx context.Context) {
	for _, q := range t.missed {
		_, _ = t.p.stmt(ctx, q)
	}
}
