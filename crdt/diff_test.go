package crdt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

var (
	fixtureFlag = flag.String("fixture", "", "run TestDiffFixtureFile on this fixture file")
	verifyNode  = flag.Bool("verify-node", false, "also check Go's encoded state with real yjs (needs node and npm deps)")
)

type fixture struct {
	Yjs       string   `json:"yjs"`
	Seed      uint64   `json:"seed"`
	GC        bool     `json:"gc"`
	ClientIDs []uint64 `json:"clientIDs"`
	Updates   []struct {
		Client int    `json:"client"`
		Update string `json:"update"`
	} `json:"updates"`
	Final struct {
		StateVector string          `json:"stateVector"`
		Update      string          `json:"update"`
		Text        json.RawMessage `json:"text"`
		TextString  string          `json:"textString"`
		Map         json.RawMessage `json:"map"`
		Array       json.RawMessage `json:"array"`
		XML         string          `json:"xml"`
	} `json:"final"`
}

func loadFixture(t *testing.T, path string) *fixture {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &f
}

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonable converts engine values to what the generator's JSON holds.
func jsonable(v any) any {
	switch x := v.(type) {
	case []byte:
		return map[string]any{"$bytes": base64.StdEncoding.EncodeToString(x)}
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = jsonable(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonable(e)
		}
		return out
	case []Delta:
		out := make([]any, len(x))
		for i, d := range x {
			m := map[string]any{"insert": jsonable(valueToJSON(d.Insert))}
			if len(d.Attributes) > 0 {
				m["attributes"] = jsonable(d.Attributes)
			}
			out[i] = m
		}
		return out
	case undefinedValue:
		return nil
	case BigInt:
		return int64(x)
	}
	return v
}

// normJSON round-trips through encoding/json so both sides compare as the
// same Go values.
func normJSON(t *testing.T, v any) any {
	t.Helper()
	var b []byte
	switch x := v.(type) {
	case json.RawMessage:
		b = x
	default:
		var err error
		if b, err = json.Marshal(jsonable(v)); err != nil {
			t.Fatal(err)
		}
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func checkFinal(t *testing.T, f *fixture, d *Doc, what string) {
	t.Helper()
	if got, want := d.EncodeStateVector(), b64(t, f.Final.StateVector); !bytes.Equal(got, want) {
		gsv, _ := DecodeStateVector(got)
		wsv, _ := DecodeStateVector(want)
		t.Errorf("%s: state vector %v, want %v", what, gsv, wsv)
	}
	if got := d.GetText("text").String(); got != f.Final.TextString {
		t.Errorf("%s: text %q, want %q", what, got, f.Final.TextString)
	}
	if got, want := normJSON(t, d.GetText("text").ToDelta()), normJSON(t, f.Final.Text); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: text delta\n got %v\nwant %v", what, got, want)
	}
	if got, want := normJSON(t, d.GetMap("map").ToJSON()), normJSON(t, f.Final.Map); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: map\n got %v\nwant %v", what, got, want)
	}
	if got, want := normJSON(t, d.GetArray("array").ToJSON()), normJSON(t, f.Final.Array); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: array\n got %v\nwant %v", what, got, want)
	}
	if got := d.GetXmlFragment("xml").String(); got != f.Final.XML {
		t.Errorf("%s: xml\n got %s\nwant %s", what, got, f.Final.XML)
	}
	if d.store.pendingUpdate != nil || d.store.pendingDS != nil {
		t.Errorf("%s: something is still pending", what)
	}
}

func replay(t *testing.T, f *fixture, order []int) *Doc {
	t.Helper()
	d := NewDoc(DocOptions{ClientID: 0xfffffffe, DisableGC: !f.GC})
	for _, i := range order {
		if err := d.ApplyUpdate(b64(t, f.Updates[i].Update), nil); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	return d
}

func runFixture(t *testing.T, path string) {
	f := loadFixture(t, path)
	n := len(f.Updates)
	inOrder := make([]int, n)
	for i := range inOrder {
		inOrder[i] = i
	}
	d := replay(t, f, inOrder)
	checkFinal(t, f, d, "in order")

	// Go's full state must be byte-identical to yjs's for the same history:
	// client 0's own sequence of transactions.
	var own []int
	for i, u := range f.Updates {
		if u.Client == 0 {
			own = append(own, i)
		}
	}
	d0 := replay(t, f, own)
	checkFinal(t, f, d0, "client 0's view")
	enc, err := d0.EncodeStateAsUpdate(nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := b64(t, f.Final.Update); !bytes.Equal(enc, want) {
		t.Errorf("encodeStateAsUpdate differs from yjs: %d bytes, want %d", len(enc), len(want))
	}
	// Loading yjs's encoded state gives the same document.
	d2 := NewDoc(DocOptions{ClientID: 0xfffffffe, DisableGC: !f.GC})
	if err := d2.ApplyUpdate(b64(t, f.Final.Update), nil); err != nil {
		t.Fatal(err)
	}
	checkFinal(t, f, d2, "yjs state")

	for round := 0; round < 3; round++ {
		seed := f.Seed*31 + uint64(round)
		rng := rand.New(rand.NewPCG(seed, 7))
		order := append([]int(nil), inOrder...)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		checkFinal(t, f, replay(t, f, order), fmt.Sprintf("shuffled (seed %d)", seed))
	}

	// Merging all updates without a document gives the same state.
	var all [][]byte
	for _, u := range f.Updates {
		all = append(all, b64(t, u.Update))
	}
	merged, err := MergeUpdates(all)
	if err != nil {
		t.Fatal(err)
	}
	d3 := NewDoc(DocOptions{ClientID: 0xfffffffe, DisableGC: !f.GC})
	if err := d3.ApplyUpdate(merged, nil); err != nil {
		t.Fatal(err)
	}
	checkFinal(t, f, d3, "merged")
	sv, err := EncodeStateVectorFromUpdate(merged)
	if err != nil {
		t.Fatal(err)
	}
	if gsv, _ := DecodeStateVector(sv); !reflect.DeepEqual(gsv, d3.StateVector()) {
		t.Errorf("state vector from merged update %v, want %v", gsv, d3.StateVector())
	}

	if *verifyNode {
		out := filepath.Join(t.TempDir(), "go.update")
		if err := os.WriteFile(out, enc, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("node", "testdata/gen/verify.mjs", "--fixture", path, "--update", out)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("yjs rejects Go's encoded state: %v\n%s", err, b)
		}
	}
}

func TestDiffFixtures(t *testing.T) {
	paths, _ := filepath.Glob("testdata/diff/*.json")
	if len(paths) == 0 {
		t.Fatal("no fixtures in testdata/diff")
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) { runFixture(t, p) })
	}
}

// TestDiffFixtureFile runs one fixture given by -fixture (make test uses it
// for a fresh randomized round generated by real yjs).
func TestDiffFixtureFile(t *testing.T) {
	if *fixtureFlag == "" {
		t.Skip("no -fixture given")
	}
	runFixture(t, *fixtureFlag)
}

var goSessionSeed = flag.Uint64("gosession-seed", 0, "seed for TestGoSessions (0: fixed seeds)")

// goSession plays a randomized session of local edits between Go peers
// (text with formatting and embeds, maps, arrays, Xml trees, nested types,
// delayed and duplicated delivery), syncs everyone and returns the peers.
func goSession(t *testing.T, seed uint64, steps int) []*Doc {
	rng := rand.New(rand.NewPCG(seed, 99))
	n := 2 + rng.IntN(3)
	docs := make([]*Doc, n)
	inbox := make([][][]byte, n)
	for i := range docs {
		i := i
		docs[i] = NewDoc(DocOptions{ClientID: uint64(i+1) * 1000003, DisableGC: seed%2 == 1})
		docs[i].OnUpdate(func(u []byte, origin any, _ *Transaction) {
			if origin == "net" {
				return
			}
			for j := range docs {
				if j != i {
					inbox[j] = append(inbox[j], u)
					if rng.IntN(10) == 0 {
						inbox[j] = append(inbox[j], u) // duplicate
					}
				}
			}
		})
	}
	words := []string{"a", "bc", "déf", "😀", "ghij", " ", "\n", "xyz"}
	attrs := []Attributes{{"bold": true}, {"italic": true}, {"bold": nil}, {"link": "https://x.y"}, nil}
	for step := 0; step < steps; step++ {
		i := rng.IntN(n)
		d := docs[i]
		switch op := rng.IntN(12); {
		case op < 3:
			txt := d.GetText("text")
			if txt.Len() > 1 && rng.IntN(3) == 0 {
				at := safePos(txt, rng.IntN(txt.Len()-1))
				l := safePos(txt, at+1+rng.IntN(min(5, txt.Len()-at))) - at
				if l <= 0 {
					break
				}
				if rng.IntN(2) == 0 {
					_ = txt.Delete(at, l)
				} else {
					_ = txt.Format(at, l, attrs[rng.IntN(len(attrs)-1)])
				}
			} else if rng.IntN(8) == 0 {
				_ = txt.InsertEmbed(safePos(txt, rng.IntN(txt.Len()+1)), map[string]any{"image": "p.png"}, nil)
			} else {
				_ = txt.Insert(safePos(txt, rng.IntN(txt.Len()+1)), words[rng.IntN(len(words))], attrs[rng.IntN(len(attrs))])
			}
		case op < 5:
			m := d.GetMap("map")
			k := fmt.Sprintf("k%d", rng.IntN(5))
			switch rng.IntN(5) {
			case 0:
				m.Delete(k)
			case 1:
				sub := NewMap()
				_ = sub.Set("x", int64(rng.IntN(100)))
				_ = m.Set(k, sub)
			case 2:
				_ = m.Set(k, []any{"v", 1.5, true, nil, map[string]any{"deep": []byte{1, 2}}})
			default:
				_ = m.Set(k, rng.IntN(1000))
			}
		case op < 7:
			a := d.GetArray("array")
			if a.Len() > 0 && rng.IntN(3) == 0 {
				_ = a.Delete(rng.IntN(a.Len()), 1)
			} else if rng.IntN(4) == 0 {
				txt := NewText()
				_ = txt.Insert(0, "nested", nil)
				_ = a.Insert(rng.IntN(a.Len()+1), txt)
			} else {
				_ = a.Insert(rng.IntN(a.Len()+1), rng.IntN(50), "s")
			}
		case op < 10:
			frag := d.GetXmlFragment("xml")
			kids := frag.Children()
			switch {
			case len(kids) == 0 || rng.IntN(4) == 0:
				el := NewXmlElement([]string{"paragraph", "heading"}[rng.IntN(2)])
				xt := NewXmlText()
				_ = xt.Insert(0, words[rng.IntN(len(words))], nil)
				_ = el.Insert(0, xt)
				_ = frag.Insert(rng.IntN(len(kids)+1), el)
			case rng.IntN(5) == 0:
				_ = frag.Delete(rng.IntN(len(kids)), 1)
			default:
				el, ok := kids[rng.IntN(len(kids))].(*XmlElement)
				if !ok {
					break
				}
				if rng.IntN(3) == 0 {
					_ = el.SetAttribute("level", fmt.Sprint(1+rng.IntN(3)))
				} else if cs := el.Children(); len(cs) > 0 {
					if xt, ok := cs[0].(*XmlText); ok {
						_ = xt.Insert(safePos(&Text{xt.t}, rng.IntN(xt.Len()+1)), words[rng.IntN(len(words))], attrs[rng.IntN(len(attrs))])
					}
				}
			}
		default:
			// deliver some pending updates, maybe out of order
			j := rng.IntN(n)
			for k := 0; k < len(inbox[j]) && rng.IntN(3) > 0; k++ {
				idx := rng.IntN(len(inbox[j]))
				u := inbox[j][idx]
				inbox[j] = append(inbox[j][:idx], inbox[j][idx+1:]...)
				if err := docs[j].ApplyUpdate(u, "net"); err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
			}
		}
	}
	// Final sync by state vectors, both ways, until everyone agrees.
	for round := 0; round < 3; round++ {
		for i := range docs {
			for j := range docs {
				if i == j {
					continue
				}
				diff, err := docs[i].EncodeStateAsUpdate(docs[j].EncodeStateVector())
				if err != nil {
					t.Fatal(err)
				}
				if err := docs[j].ApplyUpdate(diff, "net"); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return docs
}

type finalState struct {
	StateVector string `json:"stateVector"`
	Update      string `json:"update"`
	Text        any    `json:"text"`
	TextString  string `json:"textString"`
	Map         any    `json:"map"`
	Array       any    `json:"array"`
	XML         string `json:"xml"`
}

func stateOf(t *testing.T, d *Doc) finalState {
	u, err := d.EncodeStateAsUpdate(nil)
	if err != nil {
		t.Fatal(err)
	}
	return finalState{
		StateVector: base64.StdEncoding.EncodeToString(d.EncodeStateVector()),
		Update:      base64.StdEncoding.EncodeToString(u),
		Text:        jsonable(d.GetText("text").ToDelta()),
		TextString:  d.GetText("text").String(),
		Map:         jsonable(d.GetMap("map").ToJSON()),
		Array:       jsonable(d.GetArray("array").ToJSON()),
		XML:         d.GetXmlFragment("xml").String(),
	}
}

// TestGoSessions plays Go-only sessions: every peer must converge, and with
// -verify-node the real yjs must read Go's encoded state as the same
// content (text delta, map, array, xml, state vector).
func TestGoSessions(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5, 6, 7, 8}
	if *goSessionSeed != 0 {
		seeds = []uint64{*goSessionSeed}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			docs := goSession(t, seed, 400)
			want := stateOf(t, docs[0])
			for i, d := range docs[1:] {
				got := stateOf(t, d)
				got.Update, want.Update = "", ""
				if !reflect.DeepEqual(normJSON(t, got), normJSON(t, want)) {
					t.Fatalf("seed %d: peer %d diverged:\n got %+v\nwant %+v", seed, i+1, got, want)
				}
			}
			if !*verifyNode {
				return
			}
			want = stateOf(t, docs[0])
			dir := t.TempDir()
			fx := map[string]any{"yjs": "n/a", "seed": seed, "gc": seed%2 == 0, "updates": []any{}, "final": want}
			b, _ := json.Marshal(fx)
			fpath := filepath.Join(dir, "f.json")
			upath := filepath.Join(dir, "u.bin")
			raw, _ := base64.StdEncoding.DecodeString(want.Update)
			if err := os.WriteFile(fpath, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(upath, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("node", "testdata/gen/verify.mjs", "--fixture", fpath, "--update", upath).CombinedOutput()
			if err != nil {
				t.Fatalf("seed %d: yjs reads Go's state differently: %v\n%s", seed, err, out)
			}
		})
	}
}

// safePos moves a UTF-16 position off the middle of a surrogate pair:
// yjs itself replaces a pair split by an edit with U+FFFD on the peer that
// split it only, so peers would diverge (yjs issue #248).
func safePos(t *Text, pos int) int {
	u := 0
	for _, r := range t.String() {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if pos > u && pos < u+w {
			return u + w
		}
		u += w
		if u >= pos {
			break
		}
	}
	return pos
}
