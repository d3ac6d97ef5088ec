package check

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/cocreate/cocreate/server"
)

// envFlags returns the environment variables `cocreate serve` reads, by
// name, with their flag.
func envFlags() map[string]string {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg := server.DefaultConfig()
	cfg.RegisterFlags(fs)
	m := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) { m[server.EnvName(f.Name)] = f.Name })
	return m
}

// checkEnv fails for every key of env that is not a COCREATE_* variable of
// a flag, and returns the configuration they give (as cocreate serve would
// build it).
func checkEnv(t *testing.T, where string, env map[string]string) server.Config {
	t.Helper()
	known := envFlags()
	for k := range env {
		if _, ok := known[k]; !ok {
			t.Errorf("%s: %s is not a setting of cocreate serve", where, k)
		}
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg := server.DefaultConfig()
	cfg.RegisterFlags(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if err := server.ApplyEnv(fs, lookup); err != nil {
		t.Errorf("%s: %v", where, err)
	}
	return cfg
}

// deployDir is deploy/, the parent of this package.
func deployDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}
