package client_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"go.uber.org/goleak"

	"github.com/cocreate/cocreate/server"
)

// TestMain checks for leaked goroutines, and doubles as a server process
// for the crash tests: with COCREATE_TEST_SERVE_DATA set it runs a server
// instead of the tests.
func TestMain(m *testing.M) {
	if dir := os.Getenv("COCREATE_TEST_SERVE_DATA"); dir != "" {
		os.Exit(serveForTest(dir, os.Getenv("COCREATE_TEST_SERVE_ADDR")))
	}
	goleak.VerifyTestMain(m)
}

func serveForTest(dir, addr string) int {
	cfg := server.DefaultConfig()
	cfg.Data, cfg.Addr = dir, addr
	cfg.PublicRooms = true // the client's tests use rooms of no session
	s, err := server.New(cfg, server.NewLogger("text", os.Stderr))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := s.ListenAndServe(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
