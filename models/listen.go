package models

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// Listener is a process's one PostgreSQL connection that LISTENs for the
// changes other processes make to what this one keeps in memory (the
// policy, the sessions). Each channel's functions run on every
// notification, and on every connection and loss of it, for the changes
// made while it was away. On SQLite, one process, it never connects.
type Listener struct {
	dsn       string
	channels  map[string][]func()
	listening atomic.Bool
}

// NewListener is db's listener (connecting once Run runs).
func NewListener(db *gorm.DB) *Listener {
	l := &Listener{channels: map[string][]func(){}}
	if d, ok := db.Dialector.(*postgres.Dialector); ok && d.Config != nil {
		l.dsn = d.Config.DSN
	}
	return l
}

// On runs fn on each notification on channel; called before Run.
func (l *Listener) On(channel string, fn func()) {
	l.channels[channel] = append(l.channels[channel], fn)
}

// Listening reports whether the listener is connected and listening: only
// then do other processes' changes reach this one at once.
func (l *Listener) Listening() bool { return l.listening.Load() }

func (l *Listener) notifyAll() {
	for _, fns := range l.channels {
		for _, fn := range fns {
			fn()
		}
	}
}

// Run listens until ctx ends, connecting again after an error; on SQLite
// it returns at once.
func (l *Listener) Run(ctx context.Context, log *slog.Logger) {
	if l.dsn == "" || len(l.channels) == 0 {
		return
	}
	wait := 100 * time.Millisecond
	for {
		connected, err := l.listen(ctx)
		l.listening.Store(false)
		l.notifyAll()
		if ctx.Err() != nil {
			return
		}
		if connected {
			wait = 100 * time.Millisecond
		}
		if log != nil {
			log.Warn("listener: reconnecting", "err", err, "in", wait)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// listen is one connection of Run; connected tells whether it got as far
// as listening.
func (l *Listener) listen(ctx context.Context) (connected bool, err error) {
	conn, err := pgx.Connect(ctx, l.dsn)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.Background())
	for ch := range l.channels {
		if _, err := conn.Exec(ctx, "LISTEN "+ch); err != nil {
			return false, err
		}
	}
	l.listening.Store(true)
	l.notifyAll()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		for _, fn := range l.channels[n.Channel] {
			fn()
		}
	}
}
