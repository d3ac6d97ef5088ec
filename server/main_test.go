package server

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// observed collects "METHOD /route" → statuses answered during the
// package's tests (see statusHook).
var (
	observedMu sync.Mutex
	observed   = map[string]map[int]bool{}
)

func TestMain(m *testing.M) {
	statusHook = func(method, route string, status int) {
		key := method + " " + echoParam.ReplaceAllString(route, "{$1}")
		observedMu.Lock()
		defer observedMu.Unlock()
		if observed[key] == nil {
			observed[key] = map[int]bool{}
		}
		observed[key][status] = true
	}
	code := m.Run()
	if code == 0 && !testing.Short() && runsEverything() {
		if err := checkObservedStatuses(); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL: docs/openapi.yaml:", err)
			code = 1
		}
	}
	if code == 0 {
		goleak.VerifyTestMain(exitCode(code))
		return
	}
	os.Exit(code)
}

// runsEverything is false when -run selects some tests: the status check
// needs the whole suite to have run.
func runsEverything() bool {
	for _, a := range os.Args {
		if strings.HasPrefix(a, "-test.run") {
			return false
		}
	}
	return true
}

type exitCode int

func (c exitCode) Run() int { return int(c) }

var statusRE = regexp.MustCompile(`^        "(\d{3})":`)

// documentedStatuses reads the response codes of each route in
// docs/openapi.yaml (eight-space status keys under a method).
func documentedStatuses() map[string]map[int]bool {
	pathRE := regexp.MustCompile(`^  (/\S*):\s*$`)
	methodRE := regexp.MustCompile(`^    (get|put|post|patch|delete|head|options):`)
	out := map[string]map[int]bool{}
	inPaths, path, key := false, "", ""
	for line := range strings.SplitSeq(string(openapiYAML), "\n") {
		switch {
		case line == "paths:":
			inPaths = true
		case inPaths && line != "" && !strings.HasPrefix(line, " "):
			inPaths = false
		case inPaths && pathRE.MatchString(line):
			path, key = pathRE.FindStringSubmatch(line)[1], ""
		case inPaths && methodRE.MatchString(line):
			key = strings.ToUpper(methodRE.FindStringSubmatch(line)[1]) + " " + path
			out[key] = map[int]bool{}
		case inPaths && key != "" && statusRE.MatchString(line):
			var n int
			fmt.Sscan(statusRE.FindStringSubmatch(line)[1], &n)
			out[key][n] = true
		}
	}
	return out
}

// checkObservedStatuses: every status a route answered in the tests is
// documented for it, and every documented route was exercised.
func checkObservedStatuses() error {
	doc := documentedStatuses()
	observedMu.Lock() // late requests of closing servers may still report
	defer observedMu.Unlock()
	var problems []string
	for route, statuses := range observed {
		for st := range statuses {
			if !doc[route][st] {
				problems = append(problems, fmt.Sprintf("%s answered %d, which is not documented", route, st))
			}
		}
	}
	for route := range doc {
		if len(observed[route]) == 0 {
			problems = append(problems, route+" is documented but no test called it")
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		return fmt.Errorf("\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}
