package meeting

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzApply: any bytes either fail to decode, or apply, or are refused
// with an *Error that leaves the document unchanged. Never a panic.
func FuzzApply(f *testing.F) {
	for _, s := range []string{
		`{"type":"agenda.add","title":"x","index":0}`,
		`{"type":"agenda.move","id":"a","index":1}`,
		`{"type":"poll.vote","id":"p","choices":[1,0]}`,
		`{"type":"timer.start","durationMs":-5}`,
		`{"type":"role.set","subject":"m","role":"cohost"}`,
		`{"type":"hand.lower","subject":"m"}`,
	} {
		f.Add([]byte(s), uint8(0))
	}
	actors := []Actor{host, cohost, member, viewer}
	f.Fuzz(func(t *testing.T, data []byte, who uint8) {
		cmd, err := DecodeCommand(data)
		if err != nil {
			return
		}
		m := setup(t)
		before := snapshot(t, m)
		_, err = m.Apply(cmd, actors[int(who)%len(actors)], t0)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("untyped error %v", err)
			}
			if !bytes.Equal(before, snapshot(t, m)) {
				t.Fatalf("refused %s changed the document", data)
			}
		}
	})
}
