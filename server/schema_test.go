package server

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/internal/hocus"
	"github.com/cocreate/cocreate/internal/interoptest"
	"github.com/cocreate/cocreate/notes/render"
)

// TestNotesSchema: updates that would leave the notes fragment outside
// the editor's schema — the 30-byte bare string among them — are
// refused with permission denied, on a connection that stays open; no
// other client receives them and nothing of them is stored. A valid
// TipTap-shaped update is applied, sent and stored, and so is unticking
// its task.
func TestNotesSchema(t *testing.T) {
	ups := interoptest.SchemaUpdates(t)
	if n := len(ups["poison_string"]); n != 30 {
		t.Fatalf("the bare-string update is %d bytes, want the issue's 30", n)
	}
	ts := startServer(t, t.TempDir(), nil)
	bystander := dialSynced(t, ts, "poison/notes")
	attacker := dialSynced(t, ts, "poison/notes")
	poisons := []string{"poison_string", "poison_any", "poison_text", "unknown_node", "unknown_mark"}
	for _, name := range poisons {
		attacker.send(yproto.UpdateMessage(ups[name]))
		var reason string
		attacker.until("permission denied for "+name, func(m yproto.Message) bool {
			reason = m.Reason
			return m.Type == yproto.TypeAuth
		})
		if !strings.Contains(reason, "notes schema") {
			t.Fatalf("%s: refused with %q, want a reason naming the notes schema", name, reason)
		}
	}
	// The same connection still edits, within the schema.
	attacker.send(yproto.UpdateMessage(ups["valid"]))
	attacker.echoed()
	// The bystander's first update is the valid one: none of the poison
	// reached it.
	bystander.echoed()
	state, _ := bystander.doc.EncodeStateAsUpdate(nil)
	for _, bad := range []string{"hello, world", "loose text", "script", "blink"} {
		if bytes.Contains(state, []byte(bad)) {
			t.Fatalf("the bystander received %q", bad)
		}
	}
	if md, _ := render.Markdown(bystander.doc); !strings.Contains(md, "## Agenda") || !strings.Contains(md, "**bold**") || !strings.Contains(md, "- [x] done") {
		t.Fatalf("the valid update reads as %q", md)
	}
	// Unticking the task (yjs sets the attribute again, its key left out
	// of the update) is an edit within the schema.
	attacker.send(yproto.UpdateMessage(ups["retick"]))
	attacker.echoed()
	bystander.echoed()
	if md, _ := render.Markdown(bystander.doc); !strings.Contains(md, "- [ ] done") {
		t.Fatalf("after unticking the notes read %q", md)
	}
	if _, m := get(t, ts.url+"/metrics"); !strings.Contains(m, `cocreate_refused_total{reason="invalid_content"} 5`) {
		t.Fatal("refusals not counted as invalid_content")
	}

	// Stored: the valid edit and nothing of the refused ones.
	attacker.c.CloseNow()
	bystander.c.CloseNow()
	ctx := context.Background()
	for deadline := time.Now().Add(10 * time.Second); ts.srv.hubs.Loaded() > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the document did not unload")
		}
	}
	st, err := ts.srv.store.Load(ctx, "poison/notes")
	if err != nil {
		t.Fatal(err)
	}
	all := append([][]byte{st.Snapshot}, st.Updates...)
	stored := bytes.Join(all, nil)
	if !bytes.Contains(stored, []byte("Agenda")) {
		t.Fatal("the valid update was not stored")
	}
	for _, bad := range []string{"hello, world", "loose text", "script", "blink"} {
		if bytes.Contains(stored, []byte(bad)) {
			t.Fatalf("%q was stored", bad)
		}
	}
}

// TestNotesSchemaHocuspocus: over /hocuspocus the poison is refused the
// way Hocuspocus says it (sync status not applied), nothing is stored,
// and the same socket's valid edit is applied.
func TestNotesSchemaHocuspocus(t *testing.T) {
	ups := interoptest.SchemaUpdates(t)
	ts := startServer(t, t.TempDir(), nil)
	h := dialHocus(t, ts)
	h.send(auth("hp/notes"))
	h.next(isAuth("hp/notes", hocus.AuthAuthenticated))
	status := func() hocus.Frame {
		return h.next(func(f hocus.Frame) bool { return f.Type == hocus.TypeSyncStatus })
	}
	h.send(hocus.Message("hp/notes", yproto.UpdateMessage(ups["poison_string"])))
	if f := status(); f.Address != "hp/notes" || f.Applied {
		t.Fatalf("poison: sync status %+v, want not applied", f)
	}
	h.send(hocus.Message("hp/notes", yproto.UpdateMessage(ups["valid"])))
	if f := status(); !f.Applied {
		t.Fatalf("valid update: sync status %+v, want applied", f)
	}
	h.c.CloseNow()
	for deadline := time.Now().Add(10 * time.Second); ts.srv.hubs.Loaded() > 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the document did not unload")
		}
	}
	st, err := ts.srv.store.Load(context.Background(), "hp/notes")
	if err != nil {
		t.Fatal(err)
	}
	stored := bytes.Join(append([][]byte{st.Snapshot}, st.Updates...), nil)
	if bytes.Contains(stored, []byte("hello, world")) || !bytes.Contains(stored, []byte("Agenda")) {
		t.Fatalf("stored %q", stored)
	}
}
