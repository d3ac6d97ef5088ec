package attack

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/internal/interoptest"
)

// TestSlowReaders: readers that read slowly while a writer types fast
// fall behind; they are not disconnected (their backlog is merged, and
// past its bound replaced by one diff), and each ends with the writer's
// exact document. The server's heap peaks at most 64 MB above its level
// before (the backlogs are bounded), and a bystander document (stock yjs)
// reads back unchanged.
func TestSlowReaders(t *testing.T) {
	s := start(t, "--rate-updates", "0", "--conn-rate-updates", "0", "--conn-queue", "32", "--conn-queue-bytes", "8192")
	const doc = "atk/slow"
	g := guard(t, s.addr, 64)
	w := dial(t, s, doc, true, 0)
	var slow []*peer
	for i := range 5 {
		slow = append(slow, dial(t, s, doc, true, time.Duration(i+1)*2*time.Millisecond))
	}
	fast := dial(t, s, doc, true, 0)
	roundTrip(w, fast)
	for i := range 3000 {
		w.do(func(d *crdt.Doc) {
			txt := d.GetText("t")
			pos := txt.Len()
			if i%10 == 9 {
				pos = i % (txt.Len() + 1)
			}
			txt.Insert(pos, fmt.Sprintf("%d ", i), nil)
			if i%100 == 99 {
				txt.Delete(0, 3)
			}
		})
	}
	want := w.text()
	for i, p := range append(slow, fast) {
		p.wait(fmt.Sprintf("reader %d's document", i), func(d *crdt.Doc, _ map[uint64]string) bool { return d.GetText("t").String() == want })
		if !bytes.Equal(p.state(), w.state()) {
			t.Fatalf("reader %d's state differs from the writer's", i)
		}
		if !p.isOpen() {
			t.Fatalf("reader %d was disconnected", i)
		}
	}
	m := s.metrics()
	t.Logf("resyncs %v, coalesced %v, slow-consumer disconnects %v", m["cocreate_resyncs_total"], m["cocreate_coalesced_messages_total"], m["cocreate_slow_consumer_disconnects_total"])
	if m["cocreate_slow_consumer_disconnects_total"] != 0 || m[`cocreate_refused_total{reason="write_timeout"}`] != 0 {
		t.Fatal("a reader was cut off")
	}
	if m["cocreate_resyncs_total"]+m["cocreate_coalesced_messages_total"] == 0 {
		t.Fatal("nothing was coalesced or resynced: the readers never fell behind")
	}
	g.check()
}

// TestStockClientFallsBehind: a stock y-websocket client (real yjs) is
// stopped (SIGSTOP) while 4 MB of edits are made, so the server's queue
// for it overflows and is merged and replaced by one diff; once it runs
// again it ends with exactly the writer's document, still connected.
// The server's heap peaks at most 128 MB above its level before (the
// document itself grows by about 4 MB of text; the stopped client's
// backlog is bounded by --conn-queue-bytes), and a bystander document
// (stock yjs) reads back unchanged.
func TestStockClientFallsBehind(t *testing.T) {
	s := start(t, "--rate-updates", "0", "--conn-rate-updates", "0", "--conn-queue", "16", "--conn-queue-bytes", "16384")
	const doc = "atk/stock"
	g := guard(t, s.addr, 128)
	w := dial(t, s, doc, true, 0)
	roundTrip(w, dial(t, s, doc, true, 0))

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "interop.mjs", "follow", "ws://"+s.addr+"/sync", doc)
	cmd.Dir = interoptest.Dir
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	out := bufio.NewReader(stdout)
	if line, err := out.ReadString('\n'); err != nil || !strings.HasPrefix(line, "READY ") {
		t.Fatalf("node follow: %q, %v (%s)", line, err, stderr.String())
	}

	cmd.Process.Signal(syscall.SIGSTOP)
	chunk := strings.Repeat("abcdefghij", 200)
	for i := range 2000 {
		w.do(func(d *crdt.Doc) {
			txt := d.GetText("t")
			txt.Insert(i*7919%(txt.Len()+1), chunk, nil)
			if i%20 == 19 {
				txt.Delete(txt.Len()/3, 500)
			}
		})
	}
	roundTrip(w, dial(t, s, doc, true, 0))
	resyncs := s.metric("cocreate_resyncs_total")
	cmd.Process.Signal(syscall.SIGCONT)

	var want interoptest.State
	w.do(func(d *crdt.Doc) { want = interoptest.GoState(d) })
	var got interoptest.State
	for deadline := time.Now().Add(60 * time.Second); ; {
		if _, err := stdin.Write([]byte("dump\n")); err != nil {
			t.Fatalf("node follow ended: %v (%s)", err, stderr.String())
		}
		line, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("node follow ended: %v (%s)", err, stderr.String())
		}
		got = interoptest.State{}
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("node printed %q: %v", line, err)
		}
		if reflect.DeepEqual(got.Text, want.Text) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stock client has %d characters, want %d", len(got.Text), len(want.Text))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if resyncs == 0 {
		t.Fatal("the server never resynced the stopped client: the test did not make it fall behind")
	}
	m := s.metrics()
	if m["cocreate_slow_consumer_disconnects_total"] != 0 || m[`cocreate_refused_total{reason="write_timeout"}`] != 0 {
		t.Fatal("the stock client was cut off")
	}
	t.Logf("resyncs %v, coalesced %v", m["cocreate_resyncs_total"], m["cocreate_coalesced_messages_total"])
	g.check()
}
