package check

import (
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// TestDockerfile parses deploy/Dockerfile with BuildKit's own parser and
// build checks (what `docker build --check` reports at parse time), then
// checks the final image's settings against cocreate serve.
func TestDockerfile(t *testing.T) {
	root := filepath.Dir(deployDir(t))
	f, err := os.Open(filepath.Join(root, "deploy", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ast, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	for _, w := range ast.Warnings {
		t.Errorf("Dockerfile: %s", w.Short)
	}
	var lint []string
	stages, _, err := instructions.Parse(ast.AST, linter.New(&linter.Config{
		Warn: func(rule, desc, url, msg string, loc []parser.Range) {
			lint = append(lint, fmt.Sprintf("%s: %s (line %v)", rule, msg, loc))
		},
	}))
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	for _, l := range lint {
		t.Errorf("Dockerfile build check %s", l)
	}
	if len(stages) != 3 || stages[0].Name != "ui" || stages[1].Name != "build" {
		t.Fatalf("want stages ui, build and the final image; got %d", len(stages))
	}

	runs := func(s instructions.Stage) string {
		var b strings.Builder
		for _, c := range s.Commands {
			if r, ok := c.(*instructions.RunCommand); ok {
				b.WriteString(strings.Join(r.CmdLine, " ") + "\n")
			}
		}
		return b.String()
	}
	if ui := runs(stages[0]); !strings.Contains(ui, "client/web/package.json") || !strings.Contains(ui, "make ui") {
		t.Error("the ui stage should run make ui when client/web/package.json exists")
	}
	build := runs(stages[1])
	for _, pkg := range []string{"./cmd/cocreate", "./deploy/healthcheck"} {
		if !strings.Contains(build, "CGO_ENABLED=0 go build -trimpath -ldflags \"-s -w") || !strings.Contains(build, pkg) {
			t.Errorf("the build stage does not build %s static (CGO_ENABLED=0)", pkg)
		}
		if _, err := os.Stat(filepath.Join(root, pkg)); err != nil {
			t.Errorf("the build stage builds %s: %v", pkg, err)
		}
	}

	final := stages[2]
	if !strings.Contains(final.BaseName, "distroless/static") {
		t.Errorf("final image from %s, want distroless/static", final.BaseName)
	}
	env := map[string]string{}
	var copied, exposed []string
	var user string
	var health, entry, cmd []string
	for _, c := range final.Commands {
		switch c := c.(type) {
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				env[kv.Key] = kv.Value
			}
		case *instructions.CopyCommand:
			for _, src := range c.SourcePaths {
				copied = append(copied, path.Join(c.DestPath, path.Base(src)))
			}
		case *instructions.ExposeCommand:
			exposed = append(exposed, c.Ports...)
		case *instructions.UserCommand:
			user = c.User
		case *instructions.HealthCheckCommand:
			health = c.Health.Test
		case *instructions.EntrypointCommand:
			entry = c.CmdLine
		case *instructions.CmdCommand:
			cmd = c.CmdLine
		}
	}
	cfg := checkEnv(t, "Dockerfile ENV", env)
	if err := cfg.Validate(); err != nil {
		t.Errorf("Dockerfile ENV: %v", err)
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host != "0.0.0.0" || !slices.Equal(exposed, []string{port}) {
		t.Errorf("COCREATE_ADDR %q and EXPOSE %v: want 0.0.0.0:PORT and EXPOSE PORT", cfg.Addr, exposed)
	}
	if uid, _, _ := strings.Cut(user, ":"); uid == "" || uid == "0" || strings.Trim(uid, "0123456789") != "" {
		t.Errorf("USER %q: want a numeric non-root user (runAsNonRoot can only verify numbers)", user)
	} else if n, _ := strconv.Atoi(uid); n != 65532 {
		t.Errorf("USER %q: the compose tmpfs and the k8s manifests expect 65532", user)
	}
	if len(health) != 2 || health[0] != "CMD" || !slices.Contains(copied, health[1]) {
		t.Errorf("HEALTHCHECK %q: want CMD and a binary copied into the image (%v)", health, copied)
	}
	if len(entry) != 1 || !slices.Contains(copied, entry[0]) || path.Base(entry[0]) != "cocreate" || !slices.Equal(cmd, []string{"serve"}) {
		t.Errorf("ENTRYPOINT %q CMD %q: want the copied cocreate binary and serve", entry, cmd)
	}
	// compose runs the same health probe.
	p, err := loadCompose(t, composeEnv)
	if err != nil {
		t.Fatal(err)
	}
	if hc := p.Services["cocreate-1"].HealthCheck; hc == nil || len(hc.Test) < 2 || hc.Test[1] != health[len(health)-1] {
		t.Errorf("compose healthcheck %v does not run the image's %v", hc, health)
	}
}
