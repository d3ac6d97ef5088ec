package hub

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cocreate/cocreate/crdt/yproto"
	"github.com/cocreate/cocreate/notes"
)

func isAwareness(m yproto.Message) bool { return m.Type == yproto.TypeAwareness }

func awMsg(id, clock uint64, state string) []byte {
	return yproto.AwarenessMessage([]yproto.AwarenessEntry{{ClientID: id, Clock: clock, State: []byte(state)}})
}

// TestAwarenessOneClientPerConn: a connection controls the first
// awareness client id it uses; entries for others are dropped, counted,
// and never relayed. Its states carry its ConnOptions.User.
func TestAwarenessOneClientPerConn(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{})
	a := dialSynced(t, r, "d", ConnOptions{User: User{Name: "Ada", Color: "#123456"}})
	b := dialSynced(t, r, "d", ConnOptions{})

	a.send(awMsg(1, 1, `{"user":{"name":"Alice (host)","color":"#ff0000","x":1},"cursor":null}`))
	m := b.until("awareness", isAwareness)
	var st struct {
		User   map[string]any `json:"user"`
		Cursor any            `json:"cursor"`
	}
	if err := json.Unmarshal(m.Awareness[0].State, &st); err != nil {
		t.Fatal(err)
	}
	if st.User["name"] != "Ada" || st.User["color"] != "#123456" || st.User["x"] != float64(1) {
		t.Fatalf("relayed user %v, want name and color stamped, other fields kept", st.User)
	}
	// A second id on the same connection, and b's attempt to take a's id.
	a.send(yproto.AwarenessMessage([]yproto.AwarenessEntry{{ClientID: 2, Clock: 1, State: []byte(`{"fake":true}`)}, {ClientID: 1, Clock: 2, State: []byte(`{}`)}}))
	m = b.until("awareness", isAwareness)
	if len(m.Awareness) != 1 || m.Awareness[0].ClientID != 1 {
		t.Fatalf("b got %+v, want only client 1", m.Awareness)
	}
	b.send(awMsg(1, 9, `{"user":{"name":"Ada"}}`))
	b.send(yproto.QueryAwarenessMessage())
	m = b.until("awareness", isAwareness)
	if len(m.Awareness) != 1 || m.Awareness[0].Clock != 2 {
		t.Fatalf("after a takeover attempt the states are %+v", m.Awareness)
	}
	if n := testutil.ToFloat64(r.metrics.Refused.WithLabelValues("awareness_foreign_client")); n != 2 {
		t.Fatalf("%v foreign entries counted, want 2", n)
	}
	b.close()
	a.close()
}

// TestAwarenessFloodAndOversize: a state over MaxAwarenessState, or
// awareness beyond its rate, closes that connection with 1008; the
// others see nothing of what was refused.
func TestAwarenessFloodAndOversize(t *testing.T) {
	r := newRegistry(t, notes.NewMemoryStore(), Config{MaxAwarenessState: 100, Rates: Rates{Awareness: 10, Burst: 1}})
	watch := dialSynced(t, r, "d", ConnOptions{})

	big := dialSynced(t, r, "d", ConnOptions{})
	big.send(awMsg(5, 1, `{"x":"`+strings.Repeat("a", 200)+`"}`))
	<-big.served
	if code, reason := big.p.closeStatus(); code != StatusPolicyViolation || !strings.Contains(reason, "too large") {
		t.Fatalf("oversized state closed with %d %q", code, reason)
	}

	flood := dialSynced(t, r, "d", ConnOptions{})
	for i := range 50 {
		flood.send(awMsg(6, uint64(i+1), `{}`))
	}
	<-flood.served
	if code, reason := flood.p.closeStatus(); code != StatusPolicyViolation || !strings.Contains(reason, "rate limit") {
		t.Fatalf("flood closed with %d %q", code, reason)
	}
	if n := testutil.ToFloat64(r.metrics.Refused.WithLabelValues("rate_awareness")); n != 1 {
		t.Fatalf("rate refusals %v, want 1", n)
	}
	// watch saw at most the burst (10) of client 6's states, never 5's.
	watch.send(yproto.QueryAwarenessMessage())
	for {
		m := watch.until("awareness", isAwareness)
		for _, e := range m.Awareness {
			if e.ClientID == 5 {
				t.Fatal("an oversized state was relayed")
			}
			if e.ClientID == 6 && e.Clock > 10 {
				t.Fatalf("state %d of the flood was relayed, beyond its burst", e.Clock)
			}
		}
		if len(m.Awareness) == 0 || (len(m.Awareness) == 1 && m.Awareness[0].ClientID == 6 && m.Awareness[0].Removed()) {
			break
		}
	}
	watch.close()
}

// TestRateLimitsPerMessageType: each message type has its own limit; the
// one exceeded closes the connection (1008) and is counted by name.
func TestRateLimitsPerMessageType(t *testing.T) {
	cases := []struct {
		name   string
		msg    []byte
		metric string
	}{
		{"step 1", yproto.SyncStep1Message(nil), "rate_sync_step1"},
		{"query-awareness", yproto.QueryAwarenessMessage(), "rate_query_awareness"},
		{"updates", yproto.UpdateMessage([]byte{0, 0}), "rate_updates"},
		{"commands", yproto.CommandMessage([]byte(`{}`)), "rate_commands"},
	}
	r := newRegistry(t, notes.NewMemoryStore(), Config{Rates: Rates{SyncStep1: 2, QueryAwareness: 2, Updates: 2, Commands: 2, Burst: 2}})
	for _, tc := range cases {
		c := dialSynced(t, r, "d", ConnOptions{OnCommand: func(_ context.Context, p []byte) []byte { return p }})
		for range 10 {
			c.send(tc.msg)
		}
		<-c.served
		if code, reason := c.p.closeStatus(); code != StatusPolicyViolation || !strings.Contains(reason, "rate limit") {
			t.Fatalf("%s: closed with %d %q", tc.name, code, reason)
		}
		if n := testutil.ToFloat64(r.metrics.Refused.WithLabelValues(tc.metric)); n != 1 {
			t.Fatalf("%s: %s = %v, want 1", tc.name, tc.metric, n)
		}
	}
}
