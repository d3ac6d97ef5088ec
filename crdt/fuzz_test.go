package crdt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// addSeedUpdates adds seedUpdates to f's corpus, one update a seed.
func addSeedUpdates(f *testing.F) {
	for _, u := range seedUpdates(f) {
		f.Add(u)
	}
}

// seedUpdates returns a few real yjs updates from the committed fixtures
// for the fuzz corpora.
func seedUpdates(tb testing.TB) [][]byte {
	paths, _ := filepath.Glob("testdata/diff/*.json")
	var out [][]byte
	for _, p := range paths[:min(4, len(paths))] {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		var f fixture
		if err := json.Unmarshal(b, &f); err != nil {
			tb.Fatal(err)
		}
		for i, u := range f.Updates {
			if i%17 == 0 {
				raw, _ := base64.StdEncoding.DecodeString(u.Update)
				out = append(out, raw)
			}
		}
		raw, _ := base64.StdEncoding.DecodeString(f.Final.Update)
		out = append(out, raw)
	}
	return out
}

func FuzzDecodeUpdate(f *testing.F) {
	addSeedUpdates(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := decodeUpdate(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidUpdate) {
				t.Fatalf("error does not wrap ErrInvalidUpdate: %v", err)
			}
			return
		}
		// Whatever decodes must re-encode and decode again.
		e := &encoder{}
		for _, c := range u.clients {
			for _, it := range c.refs {
				it.write(e, 0)
			}
		}
		if _, err := EncodeStateVectorFromUpdate(b); err != nil {
			t.Fatalf("decodes but has no state vector: %v", err)
		}
	})
}

// baseDoc returns a document with real content for FuzzApplyUpdate.
func baseDoc(t testing.TB) *Doc {
	d := NewDoc(DocOptions{ClientID: 99})
	txt := d.GetText("text")
	_ = txt.Insert(0, "hello world", nil)
	_ = txt.Format(0, 5, Attributes{"bold": true})
	m := d.GetMap("map")
	_ = m.Set("k", "v")
	_ = m.Set("n", NewArray())
	frag := d.GetXmlFragment("xml")
	p := NewXmlElement("paragraph")
	_ = frag.Insert(0, p)
	xt := NewXmlText()
	_ = p.Insert(0, xt)
	_ = xt.Insert(0, "para", nil)
	_ = txt.Delete(2, 3)
	return d
}

func FuzzApplyUpdate(f *testing.F) {
	addSeedUpdates(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		d := baseDoc(t)
		before, _ := d.EncodeStateAsUpdate(nil)
		err := d.ApplyUpdate(b, nil)
		after, encErr := d.EncodeStateAsUpdate(nil)
		if encErr != nil {
			t.Fatalf("document cannot be encoded after ApplyUpdate: %v", encErr)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidUpdate) {
				t.Fatalf("error does not wrap ErrInvalidUpdate: %v", err)
			}
			if !bytes.Equal(before, after) {
				t.Fatal("failed update changed the document")
			}
			return
		}
		// The result must load into a fresh document.
		d2 := NewDoc(DocOptions{ClientID: 5})
		if err := d2.ApplyUpdate(after, nil); err != nil {
			t.Fatalf("state after a valid update does not load: %v", err)
		}
		_ = d2.GetText("text").String()
	})
}

func FuzzMergeUpdates(f *testing.F) {
	seeds := seedUpdates(f)
	for i := 0; i+1 < len(seeds); i += 2 {
		f.Add(seeds[i], seeds[i+1])
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		merged, err := MergeUpdates([][]byte{a, b})
		if err != nil {
			if !errors.Is(err, ErrInvalidUpdate) {
				t.Fatalf("error does not wrap ErrInvalidUpdate: %v", err)
			}
			return
		}
		if _, err := decodeUpdate(merged); err != nil {
			t.Fatalf("merge output does not decode: %v", err)
		}
		sv, err := EncodeStateVectorFromUpdate(merged)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DiffUpdate(merged, sv); err != nil {
			t.Fatalf("diff of merge output: %v", err)
		}
		d := NewDoc(DocOptions{ClientID: 5})
		_ = d.ApplyUpdate(merged, nil)
	})
}
