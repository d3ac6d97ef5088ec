// Package testbin builds the cocreate binary for tests that run it as a
// real process (internal/cluster, internal/attack).
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Build compiles cmd/cocreate into a fresh temporary directory and
// returns the binary's path and a function that removes the directory.
func Build() (bin string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "cocreate-bin-")
	if err != nil {
		return "", nil, fmt.Errorf("temp dir for the binary: %w", err)
	}
	bin = filepath.Join(dir, "cocreate")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/cocreate/cocreate/cmd/cocreate").CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}
