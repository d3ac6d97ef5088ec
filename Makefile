# cocreate — make run, make test. See README.md.

SHELL := /bin/bash
.NOTPARALLEL:

GO ?= go
GEN := crdt/testdata/gen
NODE_STAMP := $(GEN)/node_modules/.installed
INTEROP := server/testdata/interop
INTEROP_STAMP := $(INTEROP)/node_modules/.installed
HOCUS := server/testdata/hocuspocus
HOCUS_STAMP := $(HOCUS)/node_modules/.installed
RENDER_GEN := notes/render/testdata/gen
RENDER_STAMP := $(RENDER_GEN)/node_modules/.installed
ICALJS := internal/ical/testdata/icaljs
ICALJS_STAMP := $(ICALJS)/node_modules/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Packages run under the race detector in `make test` (the hub, server and
# client packages once they have goroutines worth racing).
RACE_PKGS ?= ./hub ./server ./client ./notes ./crdt/yproto ./workspace
# Fuzz targets next to the crdt decoders; a short run in `make test`, a
# longer one in `make fuzz`.
FUZZ_TARGETS ?= FuzzApplyUpdate FuzzMergeUpdates FuzzDecodeUpdate FuzzInspect
FUZZTIME_TEST ?= 20s
FUZZTIME ?= 2m

# PostgreSQL for the notes tests: the server on 127.0.0.1:5432 (or
# $COCREATE_TEST_POSTGRES) if it answers, else a throwaway cluster; unit and
# race read the DSN from PG_ENV (stop a throwaway one: scripts/ensure-postgres.sh stop).
PG_ENV := .postgres.env

# The browser workspace (client/web): npm ci, a strict TypeScript check
# (tsc --noEmit) and esbuild into dist/, which
# the binary embeds; rebuilt when a source is newer than the bundle.
UI := client/web
UI_STAMP := $(UI)/node_modules/.installed
UI_SRC := $(wildcard $(UI)/src/*.ts) $(wildcard $(UI)/static/*) $(UI)/build.mjs

.PHONY: run ui chromium test vet unit race postgres fresh fuzz-short fuzz bench bench-crdt bench-server node node-deps fixtures render-fixtures deploy-check redis bench-cluster

run: ui
	$(GO) run ./cmd/cocreate serve

ui: $(UI)/dist/app.js

$(UI_STAMP): $(UI)/package-lock.json $(UI)/package.json | node
	cd $(UI) && npm ci --no-audit --no-fund
	touch $@

$(UI)/dist/app.js: $(UI_STAMP) $(UI_SRC) $(UI)/tsconfig.json
	cd $(UI) && node_modules/.bin/tsc -p . && node build.mjs

# Debian's Chromium for the web UI's end-to-end test (client/web/e2e_test.go).
chromium:
	scripts/ensure-chromium.sh

test: node-deps ui chromium redis postgres vet unit race fresh fuzz-short deploy-check

# redis-server for the bus tests (they start their own on free ports).
redis:
	scripts/ensure-redis.sh

vet:
	$(GO) vet ./...

postgres:
	scripts/ensure-postgres.sh > $(PG_ENV)

unit: postgres
	. ./$(PG_ENV) && $(GO) test -count=1 ./...

race: postgres
	@if [ -n "$(strip $(RACE_PKGS))" ]; then \
		echo "$(GO) test -race -count=1 $(RACE_PKGS)"; \
		. ./$(PG_ENV) && $(GO) test -race -count=1 $(RACE_PKGS); \
	fi

# One fresh randomized differential round against yjs (prints its seed;
# replay a failure with FRESH_SEED=<seed> make fresh).
fresh: node-deps
	$(GEN)/fresh.sh
	$(GO) test -count=1 ./crdt -run '^(TestDiffFixtures|TestGoSessions)$$' -verify-node
	@seed=$$(od -An -N4 -tu4 /dev/urandom | tr -d ' '); echo "go session judged by yjs: seed=$$seed"; \
	$(GO) test -count=1 ./crdt -run '^TestGoSessions$$' -verify-node -gosession-seed=$$seed || \
	{ echo "replay: go test ./crdt -run TestGoSessions -verify-node -gosession-seed=$$seed"; exit 1; }

# A short run of every fuzz target in make test, a longer one in make fuzz.
fuzz-short:
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(FUZZTIME_TEST)

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		echo "$(GO) test ./crdt -run '^$$' -fuzz '^$$t\$$' -fuzztime $(FUZZTIME)"; \
		$(GO) test ./crdt -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) || exit 1; \
	done
	$(GO) test ./crdt/yproto -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/hocus -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)

bench:
	$(GO) test -bench . -benchmem -run '^$$' ./...

bench-crdt: node-deps
	$(GO) run ./cmd/cocreate bench-crdt

# Load benchmark: cocreate serve vs @y/websocket-server and @hocuspocus/server
# (bench/reference), same load, table with ratios. Knobs, e.g.
#   make bench-server DURATION=5s IDLE=5000 SCENARIOS="1x1000x50 idle"
bench-server: node
	bench/run.sh

# Delivery latency with receivers on 1 instance vs spread over 3 joined by
# Redis (bench/cluster.sh; knobs RECEIVERS, RATE, ROOMS, DURATION; CLUSTER=1
# for a 3-primary Redis Cluster with sharded pub/sub).
bench-cluster: redis
	bench/cluster.sh

# Node.js and the pinned yjs, for the differential tests and benchmarks.
node:
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
		echo "node not found: installing nodejs and npm with apt-get"; \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y nodejs npm; \
	}

node-deps: $(NODE_STAMP) $(INTEROP_STAMP) $(HOCUS_STAMP) $(RENDER_STAMP) $(ICALJS_STAMP)

$(NODE_STAMP): $(GEN)/package-lock.json $(GEN)/package.json | node
	cd $(GEN) && npm ci --no-audit --no-fund
	touch $@

$(INTEROP_STAMP): $(INTEROP)/package-lock.json $(INTEROP)/package.json | node
	cd $(INTEROP) && npm ci --no-audit --no-fund
	touch $@

$(HOCUS_STAMP): $(HOCUS)/package-lock.json $(HOCUS)/package.json | node
	cd $(HOCUS) && npm ci --no-audit --no-fund
	touch $@

$(RENDER_STAMP): $(RENDER_GEN)/package-lock.json $(RENDER_GEN)/package.json | node
	cd $(RENDER_GEN) && npm ci --no-audit --no-fund
	touch $@

# The real ical.js that parses internal/ical's feeds in its tests.
$(ICALJS_STAMP): $(ICALJS)/package-lock.json $(ICALJS)/package.json | node
	cd $(ICALJS) && npm ci --no-audit --no-fund
	touch $@

# Deployment files (deploy/): static build, healthcheck, nginx -t and a
# proxied sync, Kubernetes manifests, compose file and Dockerfile checked
# offline (no container engine or cluster needed). See docs/deploy.md.
deploy-check:
	GO=$(GO) deploy/check.sh

# Regenerate the committed differential fixtures in crdt/testdata/diff.
fixtures: node-deps
	$(GEN)/make-fixtures.sh
	cd $(GEN) && node golden.mjs > ../golden.json

# Regenerate the committed TipTap golden fixtures of notes/render
# (testdata/tiptap: Yjs update, TipTap HTML and ProseMirror JSON).
render-fixtures: $(RENDER_STAMP)
	cd $(RENDER_GEN) && node gen.mjs ../tiptap
