# Build, test and demo recipes for gowandb. CI runs `make test` via .ci/run.
#
#   make test    vet + race tests for every package (installs what it needs first)
#   make demo    start the server, train the GoMLX demo logged to it, say where to look (DEMO_ARGS="-steps 500")
#   make lint    fail on unformatted files, then go vet
#   make fuzz    run each Fuzz target for FUZZTIME (default 20s)
#   make bench   benchmarks with allocation counts
#   make build   compile everything

GO ?= go
FUZZTIME ?= 20s
DEMO_ARGS ?=
# Debian packages the tests need, installed by `make deps` (as root, or with sudo) when the
# command is missing: ffmpeg encodes mp4/webm/ogg videos (tests that need it skip without it);
# chromium runs the dashboard's browser tests, npm (with node) builds the dashboard (make web).
APT_PACKAGES ?= ffmpeg chromium npm

# GoMLX must use its pure-Go backend: the XLA one needs cgo and downloads PJRT at run time.
export GOMLX_BACKEND ?= go

.PHONY: all deps build test lint bench fuzz demo demo-stop web

all: lint test

deps:
	$(GO) mod download
# Hook for system packages (apt): a no-op while APT_PACKAGES is empty.
	@for p in $(APT_PACKAGES); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "deps: apt-get install$$missing"; \
		sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && $$sudo apt-get install -y --no-install-recommends $$missing; \
	fi
# PostgreSQL for the core/store/postgres tests (they start their own server). Debian keeps
# initdb and pg_ctl in /usr/lib/postgresql/N/bin, off PATH, hence the second check.
	@if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "deps: apt-get install postgresql"; \
		sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; \
	fi

build: deps web
	$(GO) build ./...

test: deps web
	$(GO) vet ./...
	@start=$$(date +%s); \
	if $(GO) test -race -count=1 -timeout 20m ./...; then \
		echo "make test: PASS (go vet clean, all race tests passed) in $$(( $$(date +%s) - start ))s"; \
	else \
		rc=$$?; echo "make test: FAIL (go test exit $$rc) after $$(( $$(date +%s) - start ))s"; exit $$rc; \
	fi

lint:
	@unformatted=$$(find . -name '*.go' -not -path '*/.*' -not -path '*/testdata/*' -not -path './vendor/*' \
		-exec gofmt -l {} +); \
	if [ -n "$$unformatted" ]; then echo "gofmt -l: these files need formatting:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

bench: deps
	$(GO) test -run='^$$' -bench=. -benchmem ./...

fuzz: deps
	@set -e; for pkg in $$($(GO) list ./...); do \
		list=$$($(GO) test -list='^Fuzz' $$pkg) || { echo "$$list"; exit 1; }; \
		for f in $$(echo "$$list" | grep '^Fuzz'); do \
			echo "fuzz: $$pkg $$f for $(FUZZTIME)"; \
			$(GO) test -run='^$$' -fuzz="^$$f\$$" -fuzztime=$(FUZZTIME) $$pkg; \
		done; \
	done

demo: deps web
	GO=$(GO) DEMO_ARGS="$(DEMO_ARGS)" ./examples/demo/demo.sh

# Stop the server `make demo` left running (its data stays in .demo/).
demo-stop:
	@if [ -s .demo/server.pid ] && kill $$(cat .demo/server.pid) 2>/dev/null; then \
		echo "demo server stopped"; else echo "no demo server running"; fi; rm -f .demo/server.pid

# Regenerate the plugin contract's Go code (committed, so builds need no protoc). Needs apt
# protobuf-compiler and, in $(go env GOPATH)/bin: `go install
# google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12` and `go install
# google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2`.
# The web dashboard (core/server/dashboard): npm packages from the lockfile, then an esbuild
# bundle in core/server/dashboard/dist, embedded by `go build`. Skipped when up to date.
WEB := core/server/dashboard/web
web: core/server/dashboard/dist/index.html
$(WEB)/node_modules/.package-lock.json: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund
core/server/dashboard/dist/index.html: $(WEB)/node_modules/.package-lock.json $(WEB)/build.mjs $(wildcard $(WEB)/src/*)
	cd $(WEB) && node build.mjs

.PHONY: proto
proto:
	PATH="$$($(GO) env GOPATH)/bin:$$PATH" protoc -I plugins/proto \
		--go_out=. --go_opt=module=github.com/gowandb/wandb \
		--go-grpc_out=. --go-grpc_opt=module=github.com/gowandb/wandb \
		plugins/proto/plugin.proto
