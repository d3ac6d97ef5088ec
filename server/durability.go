package server

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/cocreate/cocreate/hub"
	"github.com/cocreate/cocreate/notes"
)

// spoolDir is where edits the store refuses at shutdown are spooled:
// --spool, or "spool" under --data.
func (c *Config) spoolDir() string {
	if c.Spool != "" {
		return c.Spool
	}
	return filepath.Join(c.Data, "spool")
}

// replaySpool writes what an earlier run spooled to the store, before the
// server serves: a document must not be loaded without its spooled edits.
func replaySpool(cfg Config, store notes.Store, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := hub.ReplaySpool(ctx, store, cfg.spoolDir(), log)
	if err != nil {
		return fmt.Errorf("--spool %s: the store refused the spooled edits of an earlier run; they stay in the spool: %w", cfg.spoolDir(), err)
	}
	if n > 0 {
		log.Info("spooled edits of an earlier run stored", "docs", n, "spool", cfg.spoolDir())
	}
	return nil
}

// pinger is a store that can tell whether it is reachable
// (notes.PostgresStore).
type pinger interface {
	Ping(ctx context.Context) error
}

// storeErr is why the store cannot take writes now, or nil: documents
// holding edits it refused, or (PostgreSQL) a failed ping.
func (s *Server) storeErr(ctx context.Context) error {
	if err := s.hubs.StoreErr(); err != nil {
		return err
	}
	if p, ok := s.store.(pinger); ok {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if err := p.Ping(ctx); err != nil {
			return fmt.Errorf("the store is unreachable: %w", err)
		}
	}
	return nil
}
