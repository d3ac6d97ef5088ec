package server

import (
	"net/http"
	"testing"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/crdt/yproto"
)

// TestSyncSavedAcks: /sync/...?saved=1 gets a saved message (type 101)
// whose stored state vector covers the client's edit; a stock connection
// to the same document never gets one; a bad saved value is 400.
func TestSyncSavedAcks(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	a := dialDoc(t, ts, "s/notes?saved=1")
	b := dialDoc(t, ts, "s/notes")
	a.synced()
	b.synced()
	a.insert(0, "stored")
	want := a.doc.StateVector()[a.doc.ClientID()]
	a.until("a saved message covering the edit", func(m yproto.Message) bool {
		if m.Type != yproto.TypeSaved {
			return false
		}
		sv, err := crdt.DecodeStateVector(m.Payload)
		if err != nil {
			t.Fatalf("bad stored state vector: %v", err)
		}
		return sv[a.doc.ClientID()] >= want
	})
	b.waitText("stored")
	// b's queue is drained for a while after a's saved message: nothing
	// of type 101.
	deadline := time.After(200 * time.Millisecond)
	for {
		select {
		case raw := <-b.msgs:
			if m, err := yproto.Decode(raw); err == nil && m.Type == yproto.TypeSaved {
				t.Fatal("a stock connection got a saved message")
			}
			continue
		case <-deadline:
		}
		break
	}

	_, resp, err := dialDocWith(t, ts, "s/notes?saved=yes", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("saved=yes: err %v, response %v; want 400", err, resp)
	}
}
