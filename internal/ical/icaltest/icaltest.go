// Package icaltest runs the real ical.js (internal/ical/testdata/icaljs,
// pinned by its package-lock.json; make node-deps) on a feed from a test
// and returns what it parsed and expanded.
package icaltest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// icaljsDir holds the pinned ical.js and check.mjs (make node-deps).
var icaljsDir = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "icaljs")
}()

// Event is a VEVENT as ical.js reads it.
type Event struct {
	UID          string  `json:"uid"`
	Summary      string  `json:"summary"`
	Description  string  `json:"description"`
	URL          string  `json:"url"`
	Status       string  `json:"status"`
	Sequence     int     `json:"sequence"`
	TZID         *string `json:"tzid"`
	StartUTC     string  `json:"start_utc"`
	RRule        *string `json:"rrule"`
	RecurrenceID *string `json:"recurrence_id"`
}

// Occurrence is one occurrence ical.js expanded.
type Occurrence struct {
	UID          string            `json:"uid"`
	Summary      string            `json:"summary"`
	Status       string            `json:"status"`
	StartUTC     string            `json:"start_utc"`
	EndUTC       string            `json:"end_utc"`
	Wall         string            `json:"wall"`
	RecurrenceID string            `json:"recurrence_id"`
	Local        map[string]string `json:"local"`
}

// Result is what check.mjs prints.
type Result struct {
	Calendar struct {
		Version   string   `json:"version"`
		ProdID    string   `json:"prodid"`
		Method    string   `json:"method"`
		CalScale  string   `json:"calscale"`
		Timezones []string `json:"timezones"`
	} `json:"calendar"`
	Events      []Event      `json:"events"`
	Occurrences []Occurrence `json:"occurrences"`
}

// Parse parses feed with the real ical.js and expands its occurrences
// in [from, to), each also shown in the reader zones.
func Parse(t *testing.T, feed []byte, from, to time.Time, readers ...string) Result {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node not found: this test needs Node.js (make node-deps installs it)")
	}
	if _, err := os.Stat(filepath.Join(icaljsDir, "node_modules", "ical.js")); err != nil {
		t.Fatal("ical.js not installed: run `make node-deps` (npm ci in internal/ical/testdata/icaljs)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "check.mjs",
		from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), strings.Join(readers, ","))
	cmd.Dir = icaljsDir
	cmd.Stdin = bytes.NewReader(feed)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ical.js: %v\n%s\nfeed:\n%s", err, stderr.String(), feed)
	}
	var r Result
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("decode ical.js output: %v\n%s", err, out)
	}
	return r
}
