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
