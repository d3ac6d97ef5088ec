package interoptest

import (
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"testing"
)

// SchemaUpdates runs schema.mjs (next to interop.mjs): updates to the
// notes' "default" fragment made by the real yjs, by name — the issue's
// 30-byte bare string ("poison_string") and other poisons, and a valid
// TipTap-shaped update ("valid"). See the script's header.
func SchemaUpdates(t testing.TB) map[string][]byte {
	t.Helper()
	Need(t)
	cmd := exec.Command("node", "schema.mjs")
	cmd.Dir = Dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node schema.mjs: %v", err)
	}
	var hexes map[string]string
	if err := json.Unmarshal(out, &hexes); err != nil {
		t.Fatal(err)
	}
	ups := map[string][]byte{}
	for k, h := range hexes {
		if ups[k], err = hex.DecodeString(h); err != nil {
			t.Fatal(err)
		}
	}
	return ups
}
