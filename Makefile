# Roost: `make run` starts the example site with its message server;
# `make test` runs every test (native, wasm in node, Chromium).

GO        ?= go
GOROOT    := $(shell $(GO) env GOROOT)
BUILD     := server/assets/dist
WASM_EXEC := $(GOROOT)/lib/wasm
ARGS      ?=
# The runtime's Go build flags: inlining off, the Go runtime's too, and the Go
# runtime alone built without bounds checks (-B: its indexes are its own
# invariants, never a caller's). roost.wasm packed, brotli: 926.7 KB with the
# Go runtime inlined and checked (-gcflags=all=-l -gcflags=runtime=), 891.3 KB
# with -gcflags=all=-l, 883.3 KB as here (before the render plans' +6 KB).
# The cost is CPU in the worker, measured side by side in node against the
# Go runtime inlined: a cached template render 4.2 -> 4.8 us, the inbox
# store's operations on 10,000 messages 1.7-1.9 times slower (a snapshot
# 15 -> 26 ms, a 200 poll with no change 32 -> 54 ms). `make runtime
# RUNTIME_GCFLAGS='-gcflags=all=-l -gcflags=runtime='` trades the bytes back
# for that speed; `RUNTIME_GCFLAGS=` builds it all inlined (+80 KB).
RUNTIME_GCFLAGS ?= -gcflags=all=-l '-gcflags=runtime=-l -B'

.PHONY: run runtime test test-native test-wasm test-third-party screenshots bench browser-deps chromium node axe postgres

## run: build the browser runtime and start the example site on http://127.0.0.1:8080
run: runtime
	$(GO) run ./example-site $(ARGS)

## runtime: build the browser runtime into server/assets/dist (which server/assets embeds), its data in one segment (tools/wasmpack), versioned, with .br and .gz copies
runtime:
	@mkdir -p $(BUILD)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" $(RUNTIME_GCFLAGS) -o $(BUILD)/roost.wasm ./wasm
	$(GO) run ./tools/wasmpack $(BUILD)/roost.wasm
	cp $(WASM_EXEC)/wasm_exec.js js/*.js js/*.css $(BUILD)/
	$(GO) run ./tools/precompress $(BUILD)

## test: every test, native, in node (GOOS=js GOARCH=wasm) and in headless Chromium
test: browser-deps postgres test-native test-wasm test-third-party

# The packages with Chromium tests run one after the other: side by side on
# two cores, each starves the other's runtimes, whose poll timing they check.
BROWSER_PKGS := ./example-site ./server/assets ./cmd/roost ./internal/browsertest
test-native:
	$(GO) vet ./...
	ROOST_BROWSER_TESTS=require ROOST_POSTGRES_TESTS=require $(GO) test -count=1 $$($(GO) list ./... | grep -v -e '/example-site$$' -e '/server/assets$$' -e '/cmd/roost$$' -e '/internal/browsertest$$')
	ROOST_BROWSER_TESTS=require ROOST_POSTGRES_TESTS=require $(GO) test -count=1 -p 1 $(BROWSER_PKGS)

# The pure packages also build and pass under WebAssembly, run by node.
test-wasm:
	GOOS=js GOARCH=wasm $(GO) vet ./wasm
	PATH="$(WASM_EXEC):$$PATH" GOOS=js GOARCH=wasm $(GO) test -count=1 ./render/... ./inbox/... ./poller/... ./client/... ./wasm/...

# The patched copies of liquid and tuesday (third_party/README.md) keep
# passing their own tests.
test-third-party:
	cd third_party/liquid && $(GO) test -count=1 ./...
	cd third_party/tuesday && $(GO) test -count=1 ./...

## screenshots: PNGs of the in-app presenter's layouts, of the headless example's inbox panel and of <roost-inbox> (light, dark, phone), in build/screenshots
screenshots: chromium
	ROOST_SCREENSHOTS=$(CURDIR)/build/screenshots $(GO) test -count=1 -run '^TestScreenshots$$' ./example-site
	@echo "Screenshots in build/screenshots/"

## bench: measure this machine: the runtime's bytes, start-up in Chromium, rendering and the inbox natively and in wasm, memory, the server under load (a markdown table)
bench: browser-deps postgres runtime
	$(GO) run ./bench -wasmflags "$(RUNTIME_GCFLAGS)"

browser-deps: chromium node axe

# Chromium for the browser tests: installed when missing and we are root.
chromium:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Chromium for the browser tests (apt-get install -y chromium)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium: install it (Debian/Ubuntu: sudo apt-get install chromium), then run make test again."; exit 1; \
	fi

# PostgreSQL for the database tests (internal/pgtest starts a throwaway
# cluster): installed when missing and we are root.
postgres:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing PostgreSQL for the database tests (apt-get install -y postgresql)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else \
		echo "The database tests need PostgreSQL: install it (Debian/Ubuntu: sudo apt-get install postgresql), or set ROOST_POSTGRES_URL to a server whose user may CREATE DATABASE, then run make test again."; exit 1; \
	fi

# Node runs the GOOS=js GOARCH=wasm tests.
node:
	@if command -v node >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Node.js for the wasm tests (apt-get install -y nodejs)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null; \
	else \
		echo "The wasm tests need Node.js: install it (Debian/Ubuntu: sudo apt-get install nodejs), then run make test again."; exit 1; \
	fi

# axe-core for the browser tests' accessibility checks (internal/browsertest
# Axe): the version tools/axe/package-lock.json pins, from npm, when missing.
AXE_JS := tools/axe/node_modules/axe-core/axe.min.js
axe: node
	@if [ -f $(AXE_JS) ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tools/axe --no-audit --no-fund; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing npm for axe-core (apt-get install -y npm)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null && \
		npm ci --prefix tools/axe --no-audit --no-fund; \
	else \
		echo "The accessibility tests need npm to install axe-core: install it (Debian/Ubuntu: sudo apt-get install npm), then run make test again."; exit 1; \
	fi

.PHONY: roost
# VERSION is what `roost version` says: the git commit (git describe), or devel.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
## roost: the server binary (cmd/roost) with the browser runtime built in, in bin/roost
roost: runtime
	$(GO) build -trimpath -ldflags="-X main.buildTag=$(VERSION)" -o bin/roost ./cmd/roost
