package hocus

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/cocreate/cocreate/crdt/yproto"
)

// Frames for document "abc/notes" (name prefix 9 "abc/notes", then the
// type) as the providers build them; server/interop_test.go runs the
// real 3.x and 4.x providers against the server that decodes them.
var (
	name   = []byte("\x09abc/notes")
	tokenF = cat(name, []byte{2, 0, 3, 't', 'o', 'k', 5, '4', '.', '8', '.', '0'})
)

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

func TestDecode(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
		want  Frame
	}{
		{"token with version", tokenF, Frame{Address: "abc/notes", Name: "abc/notes", Type: TypeAuth, Auth: AuthToken, Text: "tok", Version: "4.8.0"}},
		{"token 3.x", cat(name, []byte{2, 0, 0}), Frame{Address: "abc/notes", Name: "abc/notes", Type: TypeAuth, Auth: AuthToken}},
		{"session address", cat([]byte("\x0babc/notes\x00s"), []byte{3}), Frame{Address: "abc/notes\x00s", Name: "abc/notes", Type: TypeQueryAwareness}},
		{"stateless", cat(name, []byte{5, 2, '{', '}'}), Frame{Address: "abc/notes", Name: "abc/notes", Type: TypeStateless, Text: "{}"}},
		{"close from provider", cat(name, []byte{7}), Frame{Address: "abc/notes", Name: "abc/notes", Type: TypeClose}},
		{"sync status", cat(name, []byte{8, 1}), Frame{Address: "abc/notes", Name: "abc/notes", Type: TypeSyncStatus, Applied: true}},
		{"ping", []byte{9}, Frame{Type: TypePing}},
		{"pong", []byte{10}, Frame{Type: TypePong}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.frame)
			if err != nil {
				t.Fatal(err)
			}
			got.typeAt, got.Body = 0, nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		frame []byte
		want  string
	}{
		{"empty", nil, "unexpected end"},
		{"name beyond frame", []byte{40, 'a'}, "beyond the frame"},
		{"name too long", append([]byte{0x81, 0x10}, make([]byte, 2049)...), "over the limit"},
		{"no type", name, "unexpected end"},
		{"unknown type", cat(name, []byte{42}), "unknown message type 42"},
		{"unknown auth", cat(name, []byte{2, 9}), "unknown auth type 9"},
		{"trailing bytes", cat(name, []byte{7, 0, 1}), "bytes after the message"},
		{"not utf-8", []byte{2, 0xff, 0xfe, 0}, "not UTF-8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.frame)
			if !errors.Is(err, ErrMalformed) || !bytes.Contains([]byte(err.Error()), []byte(tt.want)) {
				t.Fatalf("err %v, want ErrMalformed with %q", err, tt.want)
			}
		})
	}
}

// TestWrapUnwrap: a y-protocols message goes out and comes back the same;
// stateless and commands map to each other; auth has no Hocuspocus form.
func TestWrapUnwrap(t *testing.T) {
	prefix := AppendAddress(nil, "abc/notes")
	for _, msg := range [][]byte{
		yproto.SyncStep1Message([]byte{0}),
		yproto.UpdateMessage([]byte{0, 0}),
		yproto.AwarenessMessage([]yproto.AwarenessEntry{{ClientID: 1, Clock: 1, State: []byte(`{}`)}}),
		yproto.QueryAwarenessMessage(),
		yproto.CommandMessage([]byte(`{"type":"hand.raise"}`)),
	} {
		frame, ok := Wrap(prefix, msg)
		if !ok {
			t.Fatalf("Wrap(%x) refused", msg)
		}
		f, err := Decode(frame)
		if err != nil {
			t.Fatalf("Decode(Wrap(%x)): %v", msg, err)
		}
		back, ok := Unwrap(frame, f)
		if !ok || !bytes.Equal(back, msg) {
			t.Fatalf("round trip %x → %x → %x", msg, frame, back)
		}
	}
	if _, ok := Wrap(prefix, yproto.PermissionDeniedMessage("no")); ok {
		t.Fatal("a y-protocols auth message was wrapped")
	}
	reply := cat(name, []byte{4, 1, 0})
	f, _ := Decode(reply)
	if back, _ := Unwrap(reply, f); !bytes.Equal(back, []byte{0, 1, 0}) {
		t.Fatalf("sync-reply unwrapped to %x, want a sync message", back)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(tokenF)
	f.Add(cat(name, []byte{0, 0, 1, 0}))
	f.Add([]byte{9})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not ErrMalformed: %v", err)
			}
			return
		}
		Unwrap(b, fr) // must not panic
	})
}
