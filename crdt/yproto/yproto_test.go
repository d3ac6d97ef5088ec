package yproto

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	aw := []AwarenessEntry{
		{ClientID: 1, Clock: 3, State: []byte(`{"user":{"name":"ada"}}`)},
		{ClientID: 1 << 40, Clock: 0, State: []byte("null")},
	}
	tests := []struct {
		name  string
		frame []byte
		want  Message
	}{
		{"step1", SyncStep1Message([]byte{0}), Message{Type: TypeSync, Sync: SyncStep1, Payload: []byte{0}}},
		{"step2", SyncStep2Message([]byte{0, 0}), Message{Type: TypeSync, Sync: SyncStep2, Payload: []byte{0, 0}}},
		{"update", UpdateMessage([]byte{1, 2, 3}), Message{Type: TypeSync, Sync: SyncUpdate, Payload: []byte{1, 2, 3}}},
		{"empty update", UpdateMessage(nil), Message{Type: TypeSync, Sync: SyncUpdate, Payload: []byte{}}},
		{"awareness", AwarenessMessage(aw), Message{Type: TypeAwareness, Awareness: aw}},
		{"denied", PermissionDeniedMessage("read-only"), Message{Type: TypeAuth, Reason: "read-only"}},
		{"query", QueryAwarenessMessage(), Message{Type: TypeQueryAwareness}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.frame)
			if err != nil {
				t.Fatal(err)
			}
			if got.Type != tt.want.Type || got.Sync != tt.want.Sync || got.Reason != tt.want.Reason {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if tt.want.Type == TypeSync && !bytes.Equal(got.Payload, tt.want.Payload) {
				t.Fatalf("payload %v, want %v", got.Payload, tt.want.Payload)
			}
			if len(got.Awareness) != len(tt.want.Awareness) {
				t.Fatalf("awareness %+v, want %+v", got.Awareness, tt.want.Awareness)
			}
			for i, e := range got.Awareness {
				w := tt.want.Awareness[i]
				if e.ClientID != w.ClientID || e.Clock != w.Clock || string(e.State) != string(w.State) {
					t.Fatalf("entry %d: %+v, want %+v", i, e, w)
				}
			}
		})
	}
}

// TestWireBytes pins the encoding to bytes written by y-protocols.
func TestWireBytes(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want []byte
	}{
		{"step1 empty sv", SyncStep1Message([]byte{0}), []byte{0, 0, 1, 0}},
		{"update", UpdateMessage([]byte{0, 0}), []byte{0, 2, 2, 0, 0}},
		{"query", QueryAwarenessMessage(), []byte{3}},
		{"denied", PermissionDeniedMessage("no"), []byte{2, 0, 2, 'n', 'o'}},
		{"awareness", AwarenessMessage([]AwarenessEntry{{ClientID: 300, Clock: 1, State: []byte("{}")}}),
			[]byte{1, 7, 1, 0xac, 0x02, 1, 2, '{', '}'}},
		{"awareness nil state", AwarenessMessage([]AwarenessEntry{{ClientID: 5, Clock: 2}}),
			[]byte{1, 8, 1, 5, 2, 4, 'n', 'u', 'l', 'l'}},
	}
	for _, tt := range tests {
		if !bytes.Equal(tt.got, tt.want) {
			t.Errorf("%s: % x, want % x", tt.name, tt.got, tt.want)
		}
	}
}

func TestDecodeMalformed(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
	}{
		{"empty", nil},
		{"truncated varint", []byte{0x80}},
		{"overlong varint", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"unknown type", []byte{9}},
		{"unknown sync type", []byte{0, 7, 0}},
		{"sync without payload", []byte{0, 2}},
		{"length beyond data", []byte{0, 2, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2}},
		{"trailing bytes", []byte{0, 2, 1, 0, 99}},
		{"query with payload", []byte{3, 0}},
		{"awareness count beyond data", []byte{1, 3, 0xff, 0xff, 0x7f}},
		{"awareness truncated entry", []byte{1, 3, 1, 5, 2}},
		{"awareness bad json", []byte{1, 6, 1, 5, 2, 2, '{', 'x'}},
		{"awareness empty state", []byte{1, 4, 1, 5, 2, 0}},
		{"awareness bad utf8", []byte{1, 6, 1, 5, 2, 2, '"', 0xff}},
		{"awareness trailing", []byte{1, 7, 1, 5, 2, 2, '{', '}', 0}},
		{"auth unknown", []byte{2, 1, 0}},
		{"auth truncated reason", []byte{2, 0, 5, 'a'}},
		{"command without payload", []byte{100}},
		{"command truncated", []byte{100, 5, '{', '}'}},
		{"command trailing", []byte{100, 2, '{', '}', 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode(tt.frame)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode(% x) = %+v, %v; want ErrMalformed", tt.frame, m, err)
			}
		})
	}
}

func TestRemoved(t *testing.T) {
	for s, want := range map[string]bool{"null": true, " null\n": true, "{}": false, `"null"`: false, "": false} {
		if got := (AwarenessEntry{State: []byte(s)}).Removed(); got != want {
			t.Errorf("Removed(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestLargeClaimDoesNotAllocate(t *testing.T) {
	frames := [][]byte{
		{1, 10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0}, // awareness count
		{0, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f},           // update length
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 100 {
		for _, f := range frames {
			if _, err := Decode(f); err == nil {
				t.Fatal("no error")
			}
		}
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("decoding 200 lying frames allocated %d bytes", n)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(SyncStep1Message([]byte{0}))
	f.Add(UpdateMessage([]byte{0, 0}))
	f.Add(AwarenessMessage([]AwarenessEntry{{ClientID: 1, Clock: 1, State: []byte(`{"a":1}`)}}))
	f.Add(PermissionDeniedMessage("x"))
	f.Add(QueryAwarenessMessage())
	f.Add(CommandMessage([]byte(`{"type":"hand.raise"}`)))
	f.Add(SavedMessage([]byte{1, 5, 3}))
	f.Fuzz(func(t *testing.T, frame []byte) {
		m, err := Decode(frame)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		// A decoded message re-encodes to the same bytes when it came in
		// canonical form; at least it must decode again to the same thing.
		var again []byte
		switch m.Type {
		case TypeSync:
			again = AppendSync(nil, m.Sync, m.Payload)
		case TypeAwareness:
			again = AwarenessMessage(m.Awareness)
		case TypeAuth:
			again = PermissionDeniedMessage(m.Reason)
		case TypeQueryAwareness:
			again = QueryAwarenessMessage()
		case TypeCommand:
			again = CommandMessage(m.Payload)
		case TypeSaved:
			again = SavedMessage(m.Payload)
		default:
			t.Fatalf("Decode accepted message type %d without an encoder", m.Type)
		}
		m2, err := Decode(again)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if m2.Type != m.Type || m2.Sync != m.Sync || m2.Reason != m.Reason || len(m2.Awareness) != len(m.Awareness) ||
			((m.Type == TypeCommand || m.Type == TypeSaved) && string(m2.Payload) != string(m.Payload)) {
			t.Fatalf("round trip changed %+v into %+v", m, m2)
		}
	})
}

func TestCommandRoundTrip(t *testing.T) {
	body := []byte(`{"type":"hand.raise"}`)
	frame := CommandMessage(body)
	m, err := Decode(frame)
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != TypeCommand || string(m.Payload) != string(body) || m.Type.String() != "command" {
		t.Fatalf("decoded %v %q", m.Type, m.Payload)
	}
}

func TestSavedRoundTrip(t *testing.T) {
	sv := []byte{1, 7, 3} // one client (7) at clock 3
	m, err := Decode(SavedMessage(sv))
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != TypeSaved || string(m.Payload) != string(sv) || m.Type.String() != "saved" {
		t.Fatalf("decoded %v %v", m.Type, m.Payload)
	}
	if _, err := Decode([]byte{101}); err == nil {
		t.Fatal("a saved message without its state vector decoded")
	}
}
