package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/trace"
)

// benchResult holds one engine's figures on one trace. yjs reports the
// same names in bench.mjs's JSON line.
type benchResult struct {
	Trace        string  `json:"trace"`
	Ops          int     `json:"ops"`
	LocalMS      float64 `json:"local_ms"`
	Updates      int     `json:"updates"`
	RemoteMS     float64 `json:"remote_ms"`
	UpdatesPerS  float64 `json:"updates_per_s"`
	EncodeMS     float64 `json:"encode_ms"`
	EncodedBytes int     `json:"encoded_bytes"`
	LoadMS       float64 `json:"load_ms"`
	HeapMB       float64 `json:"heap_mb"` // Go only: live heap after the local replay
	RSSMB        float64 `json:"rss_mb"`
	HWMMB        float64 `json:"hwm_mb"` // Go only: peak RSS of the process so far
	OK           bool    `json:"ok"`
	OKRemote     bool    `json:"ok_remote"`
	OKLoad       bool    `json:"ok_load"`
}

func runBenchCRDT(args []string, stdout, stderr io.Writer) error {
	root := repoRoot()
	fs := newFlagSet("bench-crdt", "[flags]", stderr)
	tracesDir := fs.String("traces", filepath.Join(root, "..", "shared", "traces"), "directory of `*.json.gz` editing traces")
	nodeScript := fs.String("node-script", filepath.Join(root, "crdt", "testdata", "gen", "bench.mjs"), "yjs side of the benchmark (`bench.mjs`)")
	nodeBin := fs.String("node", "node", "Node.js binary")
	only := fs.String("only", "", "comma-separated trace names to run (default: all)")
	noNode := fs.Bool("no-node", false, "measure the Go engine only")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}

	paths, err := filepath.Glob(filepath.Join(*tracesDir, "*.json.gz"))
	if err != nil {
		return usageError("--traces %s: %v", *tracesDir, err)
	}
	if len(paths) == 0 {
		return usageError("--traces %s: no *.json.gz traces there", *tracesDir)
	}
	if *only != "" {
		want := strings.Split(*only, ",")
		var kept []string
		for _, p := range paths {
			if slices.Contains(want, traceName(p)) {
				kept = append(kept, p)
			}
		}
		if len(kept) == 0 {
			return usageError("--only %s: no such trace in %s", *only, *tracesDir)
		}
		paths = kept
	}

	node := ""
	if !*noNode {
		node, err = findNode(*nodeBin, *nodeScript)
		if err != nil {
			fmt.Fprintf(stderr, "bench-crdt: skipping yjs: %v\n", err)
		}
	}

	fmt.Fprintf(stdout, "CRDT benchmark: go = cocreate crdt (%s, GOMAXPROCS=%d), yjs = %s; ratio = go/yjs\n",
		runtime.Version(), runtime.GOMAXPROCS(0), yjsLabel(node, *nodeScript))
	failed := false
	for _, path := range paths {
		tr, err := trace.Load(path)
		if err != nil {
			return err
		}
		goRes, err := benchGo(tr)
		if err != nil {
			fmt.Fprintf(stderr, "bench-crdt: %s: go: %v\n", tr.Name, err)
			failed = true
		}
		var yjsRes *benchResult
		if node != "" {
			yjsRes, err = benchYjs(node, *nodeScript, path)
			if err != nil {
				fmt.Fprintf(stderr, "bench-crdt: %s: yjs: %v\n", tr.Name, err)
			}
		}
		printComparison(stdout, tr, goRes, yjsRes)
		if goRes != nil && !(goRes.OK && goRes.OKRemote && goRes.OKLoad) {
			failed = true
		}
	}
	if failed {
		return errors.New("the Go engine failed on some trace (see above)")
	}
	return nil
}

// benchGo measures the Go engine on tr, in process.
func benchGo(tr *trace.Trace) (*benchResult, error) {
	res := &benchResult{Trace: tr.Name, Ops: tr.Ops()}
	debug.FreeOSMemory()

	// local: replay as local edits into A, capturing each transaction's update
	docA := crdt.NewDoc(crdt.DocOptions{ClientID: 1})
	updates := make([][]byte, 0, len(tr.Txns))
	unsubscribe := docA.OnUpdate(func(update []byte, origin any, tx *crdt.Transaction) {
		// kept as is: the engine never reuses an update slice (see OnUpdate)
		updates = append(updates, update)
	})
	start := time.Now()
	if err := replayLocal(docA, tr); err != nil {
		return nil, fmt.Errorf("local replay: %w", err)
	}
	res.LocalMS = ms(time.Since(start))
	unsubscribe()
	res.Updates = len(updates)
	res.OK = docA.GetText("text").String() == tr.EndContent

	// memory after the replay, with A and its updates alive (as in bench.mjs)
	debug.FreeOSMemory()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	res.HeapMB = float64(mem.HeapAlloc) / (1 << 20)
	res.RSSMB, res.HWMMB = procMemory()

	// remote: apply every update one by one into B
	docB := crdt.NewDoc(crdt.DocOptions{ClientID: 2})
	start = time.Now()
	for i, u := range updates {
		if err := docB.ApplyUpdate(u, nil); err != nil {
			return res, fmt.Errorf("remote: apply update %d of %d: %w", i, len(updates), err)
		}
	}
	elapsed := time.Since(start)
	res.RemoteMS = ms(elapsed)
	res.UpdatesPerS = float64(len(updates)) / elapsed.Seconds()
	res.OKRemote = docB.GetText("text").String() == tr.EndContent
	runtime.KeepAlive(docA)
	updates = nil

	// encode B's full state, median of 5
	var encoded []byte
	times := make([]time.Duration, 0, 5)
	for range 5 {
		start = time.Now()
		var err error
		encoded, err = docB.EncodeStateAsUpdate(nil)
		if err != nil {
			return res, fmt.Errorf("encode: %w", err)
		}
		times = append(times, time.Since(start))
	}
	res.EncodeMS = ms(median(times))
	res.EncodedBytes = len(encoded)

	// load the encoding into fresh docs, median of 5
	times = times[:0]
	for i := range 5 {
		doc := crdt.NewDoc(crdt.DocOptions{ClientID: 3})
		start = time.Now()
		if err := doc.ApplyUpdate(encoded, nil); err != nil {
			return res, fmt.Errorf("load: %w", err)
		}
		times = append(times, time.Since(start))
		if i == 0 {
			res.OKLoad = doc.GetText("text").String() == tr.EndContent
		}
	}
	res.LoadMS = ms(median(times))
	return res, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// procMemory returns the process's current and peak resident set size in
// MiB from /proc/self/status (zero where that file does not exist).
func procMemory() (rss, hwm float64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		if err != nil {
			continue
		}
		if key == "VmRSS" {
			rss = kb / 1024
		} else {
			hwm = kb / 1024
		}
	}
	return rss, hwm
}

// findNode checks that node and the script's yjs dependency are there.
func findNode(bin, script string) (string, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("--node %s: not found (install Node.js, or pass --no-node)", bin)
	}
	if _, err := os.Stat(script); err != nil {
		return "", fmt.Errorf("--node-script: %w", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "yjs")); err != nil {
		return "", fmt.Errorf("--node-script %s: yjs is not installed next to it (run make node-deps)", script)
	}
	return path, nil
}

func yjsLabel(node, script string) string {
	if node == "" {
		return "skipped"
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return "node"
	}
	return "yjs via " + filepath.Base(script) + " on node " + strings.TrimSpace(string(out))
}

// benchYjs runs bench.mjs on the trace at path and decodes its JSON line.
func benchYjs(node, script, path string) (*benchResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--expose-gc", script, "--trace", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", filepath.Base(node), filepath.Base(script), err, strings.TrimSpace(stderr.String()))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var res benchResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		return nil, fmt.Errorf("decode %s output %q: %w", filepath.Base(script), lines[len(lines)-1], err)
	}
	return &res, nil
}

func printComparison(w io.Writer, tr *trace.Trace, g, y *benchResult) {
	fmt.Fprintf(w, "\n%s: %d ops in %d txns, final length %d\n", tr.Name, tr.Ops(), len(tr.Txns), trace.CodePoints(tr.EndContent))
	const rowFormat = "  %-14s %14s %14s %7s\n"
	fmt.Fprintf(w, rowFormat, "metric", "go", "yjs", "ratio")
	type row struct {
		name  string
		value func(*benchResult) float64
		prec  int
	}
	rows := []row{
		{"local_ms", func(r *benchResult) float64 { return r.LocalMS }, 1},
		{"updates", func(r *benchResult) float64 { return float64(r.Updates) }, 0},
		{"remote_ms", func(r *benchResult) float64 { return r.RemoteMS }, 1},
		{"updates_per_s", func(r *benchResult) float64 { return r.UpdatesPerS }, 0},
		{"encode_ms", func(r *benchResult) float64 { return r.EncodeMS }, 2},
		{"encoded_bytes", func(r *benchResult) float64 { return float64(r.EncodedBytes) }, 0},
		{"load_ms", func(r *benchResult) float64 { return r.LoadMS }, 2},
		{"heap_mb", func(r *benchResult) float64 { return r.HeapMB }, 1},
		{"rss_mb", func(r *benchResult) float64 { return r.RSSMB }, 1},
	}
	cell := func(r *benchResult, f func(*benchResult) float64, prec int) (string, float64) {
		if r == nil {
			return "-", 0
		}
		v := f(r)
		return strconv.FormatFloat(v, 'f', prec, 64), v
	}
	for _, r := range rows {
		gs, gv := cell(g, r.value, r.prec)
		ys, yv := cell(y, r.value, r.prec)
		ratio := "-"
		if g != nil && y != nil && yv != 0 && !(r.name == "heap_mb") {
			ratio = strconv.FormatFloat(gv/yv, 'f', 2, 64)
		}
		if r.name == "heap_mb" {
			ys = "-" // node reports RSS only
		}
		fmt.Fprintf(w, rowFormat, r.name, gs, ys, ratio)
	}
	okCell := func(r *benchResult) string {
		if r == nil {
			return "-"
		}
		return strconv.FormatBool(r.OK && r.OKRemote && r.OKLoad)
	}
	fmt.Fprintf(w, rowFormat, "ok", okCell(g), okCell(y), "")
}

// traceName returns a trace file's name without directory and extension.
func traceName(path string) string {
	return strings.TrimSuffix(strings.TrimSuffix(filepath.Base(path), ".gz"), ".json")
}

// repoRoot returns the nearest directory at or above the working directory
// holding this module's go.mod, or the working directory.
func repoRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(data, []byte("module github.com/cocreate/cocreate")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return wd
		}
		dir = parent
	}
}
