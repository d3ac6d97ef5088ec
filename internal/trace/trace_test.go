package trace

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

// utf16Text is an Editor over UTF-16 code units, like a crdt text.
type utf16Text struct{ units []uint16 }

func (t *utf16Text) Insert(index int, s string) error {
	if index < 0 || index > len(t.units) {
		return errRange
	}
	t.units = append(t.units[:index], append(utf16.Encode([]rune(s)), t.units[index:]...)...)
	return nil
}

func (t *utf16Text) Delete(index, length int) error {
	if index < 0 || length < 0 || index+length > len(t.units) {
		return errRange
	}
	t.units = append(t.units[:index], t.units[index+length:]...)
	return nil
}

func (t *utf16Text) String() string { return string(utf16.Decode(t.units)) }

var errRange = os.ErrInvalid

func TestDecode(t *testing.T) {
	in := `{"startContent":"ab","endContent":"xb!","txns":[
		{"time":"2021-04-19T06:06:58.219Z","patches":[[0,1,"x"],[2,0,"!"]]},
		{"patches":[[1,0]]}]}`
	tr, err := Decode(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if tr.StartContent != "ab" || tr.EndContent != "xb!" || len(tr.Txns) != 2 || tr.Ops() != 3 || tr.Astral {
		t.Fatalf("decoded %+v", tr)
	}
	want := []Patch{{0, 1, "x"}, {2, 0, "!"}}
	for i, p := range tr.Txns[0].Patches {
		if p != want[i] {
			t.Errorf("patch %d = %+v, want %+v", i, p, want[i])
		}
	}
	if p := tr.Txns[1].Patches[0]; p != (Patch{1, 0, ""}) {
		t.Errorf("patch without text = %+v", p)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, in := range []string{
		`{"txns":[{"patches":[[0]]}]}`,
		`{"txns":[{"patches":[[0,1,"x",4]]}]}`,
		`{"txns":[{"patches":[["0",1,"x"]]}]}`,
		`{"txns":[{"patches":[[-1,0,"x"]]}]}`,
		`{"txns":[{"patches":[[0,1,2]]}]}`,
		`{"startContent":""}`,
		`not json`,
	} {
		if _, err := Decode(strings.NewReader(in)); err == nil {
			t.Errorf("Decode(%s) succeeded, want an error", in)
		}
	}
}

func TestLoadGzip(t *testing.T) {
	tr := map[string]any{
		"startContent": "",
		"endContent":   "h😀",
		"txns":         []any{map[string]any{"patches": []any{[]any{0, 0, "h😀"}}}},
	}
	raw, _ := json.Marshal(tr)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	dir := t.TempDir()
	for name, data := range map[string][]byte{"tiny.json.gz": buf.Bytes(), "plain.json": raw} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if wantName := strings.SplitN(name, ".", 2)[0]; got.Name != wantName {
			t.Errorf("%s: Name = %q, want %q", name, got.Name, wantName)
		}
		if !got.Astral || got.Ops() != 1 || got.EndContent != "h😀" {
			t.Errorf("%s: loaded %+v", name, got)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.json.gz")); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}

func TestLengths(t *testing.T) {
	for _, tc := range []struct {
		s          string
		cps, units int
		astral     bool
	}{
		{"", 0, 0, false},
		{"abc", 3, 3, false},
		{"äö中", 3, 3, false},
		{"😀", 1, 2, true},
		{"a👍🏽b", 4, 6, true},
	} {
		if got := CodePoints(tc.s); got != tc.cps {
			t.Errorf("CodePoints(%q) = %d, want %d", tc.s, got, tc.cps)
		}
		if got := UTF16Len(tc.s); got != tc.units {
			t.Errorf("UTF16Len(%q) = %d, want %d", tc.s, got, tc.units)
		}
		if got := hasAstral(tc.s); got != tc.astral {
			t.Errorf("hasAstral(%q) = %v, want %v", tc.s, got, tc.astral)
		}
	}
}

func TestSpan(t *testing.T) {
	p := NewPositions(&Trace{StartContent: "a😀b𝄞c", Astral: true})
	for _, tc := range []struct{ pos, del, start, length int }{
		{0, 0, 0, 0},
		{1, 0, 1, 0},
		{1, 1, 1, 2},
		{2, 0, 3, 0},
		{2, 2, 3, 3},
		{0, 5, 0, 7},
		{5, 0, 7, 0},
	} {
		start, length, err := p.Span(tc.pos, tc.del)
		if err != nil || start != tc.start || length != tc.length {
			t.Errorf("Span(%d, %d) = %d, %d, %v; want %d, %d", tc.pos, tc.del, start, length, err, tc.start, tc.length)
		}
	}
	if _, _, err := p.Span(4, 2); err == nil {
		t.Error("Span past the end succeeded")
	}
	p.Apply(1, 1, "😀😀")
	if start, length, _ := p.Span(3, 1); start != 5 || length != 1 {
		t.Errorf("after Apply: Span(3, 1) = %d, %d; want 5, 1", start, length)
	}

	bmp := NewPositions(&Trace{StartContent: "abc"})
	if start, length, err := bmp.Span(1, 2); err != nil || start != 1 || length != 2 {
		t.Errorf("BMP Span(1, 2) = %d, %d, %v", start, length, err)
	}
	if _, _, err := bmp.Span(2, 2); err == nil {
		t.Error("BMP Span past the end succeeded")
	}
}

// randomTrace builds a trace by applying random patches to a rune slice,
// the reference model of the format.
func randomTrace(seed uint64, alphabet []string, txns int) *Trace {
	rng := rand.New(rand.NewPCG(seed, 1))
	doc := []rune("start😀")
	tr := &Trace{StartContent: string(doc)}
	for range txns {
		var txn Txn
		for range rng.IntN(3) + 1 {
			pos := rng.IntN(len(doc) + 1)
			del := 0
			if rng.IntN(3) == 0 {
				del = rng.IntN(len(doc) - pos + 1)
				del = min(del, 4)
			}
			var ins strings.Builder
			for range rng.IntN(4) {
				ins.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
			s := []rune(ins.String())
			doc = append(doc[:pos], append(s, doc[pos+del:]...)...)
			txn.Patches = append(txn.Patches, Patch{pos, del, ins.String()})
		}
		tr.Txns = append(tr.Txns, txn)
	}
	tr.EndContent = string(doc)
	raw, _ := json.Marshal(map[string]any{"startContent": tr.StartContent, "endContent": tr.EndContent, "txns": tr.Txns})
	// go through Decode so Astral is computed as for a real file
	decoded, err := Decode(bytes.NewReader(raw))
	if err != nil {
		panic(err)
	}
	return decoded
}

func (p Patch) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{p.Pos, p.Del, p.Ins})
}

func TestReplayRandom(t *testing.T) {
	for _, tc := range []struct {
		name     string
		alphabet []string
	}{
		{"bmp", []string{"a", "b", " ", "ä", "中", "\n"}},
		{"astral", []string{"a", "b", "😀", "𝄞", "ä", "👍🏽", "中"}},
	} {
		for seed := uint64(1); seed <= 20; seed++ {
			tr := randomTrace(seed, tc.alphabet, 300)
			ed := &utf16Text{units: utf16.Encode([]rune(tr.StartContent))}
			calls := 0
			err := Replay(tr, ed, func(apply func() error) error {
				calls++
				return apply()
			})
			if err != nil {
				t.Fatalf("%s seed %d: %v", tc.name, seed, err)
			}
			if calls != len(tr.Txns) {
				t.Errorf("%s seed %d: txn called %d times, want %d", tc.name, seed, calls, len(tr.Txns))
			}
			if got := ed.String(); got != tr.EndContent {
				t.Fatalf("%s seed %d: replay gave %q, want %q", tc.name, seed, got, tr.EndContent)
			}
		}
	}
}

func TestReplayOutOfRange(t *testing.T) {
	tr := &Trace{StartContent: "ab", Txns: []Txn{{Patches: []Patch{{1, 5, ""}}}}}
	if err := Replay(tr, &utf16Text{units: utf16.Encode([]rune("ab"))}, nil); err == nil {
		t.Error("Replay of an out-of-range patch succeeded")
	}
}

// TestSharedTraces replays the real traces from shared/traces (next to the
// repository) when they are there.
func TestSharedTraces(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "traces")
	paths, _ := filepath.Glob(filepath.Join(dir, "*.json.gz"))
	if len(paths) == 0 {
		t.Skipf("no traces in %s", dir)
	}
	for _, path := range paths {
		name := filepath.Base(path)
		if testing.Short() && name != "friendsforever_flat.json.gz" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			tr, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			ed := &utf16Text{units: utf16.Encode([]rune(tr.StartContent))}
			if err := Replay(tr, ed, nil); err != nil {
				t.Fatal(err)
			}
			if ed.String() != tr.EndContent {
				t.Fatalf("replay does not give endContent")
			}
		})
	}
}
