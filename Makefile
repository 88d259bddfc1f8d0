# glcd: build, test, demo, bench. Outputs and caches live in $(CACHE), never in the tree.
SHELL   := /bin/bash
GO      ?= go
CACHE   ?= $(HOME)/.cache/glcd
BIN     ?= $(CACHE)/bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
CLIENT_GO := $(shell $(GO) list -m -f '{{.Version}}' k8s.io/client-go)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.clientGo=$(CLIENT_GO)
TESTBED := $(GO) run ./internal/testbed/cmd/testbed
STATICCHECK_VERSION ?= v0.8.2

.PHONY: build deps test lint vet staticcheck demo bench testbed-build testbed-up testbed-down clean

## build: the static glcd binary at $(BIN)/glcd
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/glcd ./cmd/glcd

## deps: the Debian packages the test bed needs (containerd, runc, CNI plugins, docker-registry, ...)
deps:
	hack/deps.sh

## test: everything: vet, staticcheck, unit tests and integration tests on the real test bed
test: deps testbed-build lint
	$(GO) test -count=1 -timeout 60m ./...

## lint: go vet and staticcheck
lint: vet staticcheck
vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: the files above need formatting"; exit 1; }
	$(GO) vet ./...
staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

## demo: build glcd, start the local test bed, and play the flow on it
demo: deps build testbed-build
	GLCD=$(BIN)/glcd hack/demo.sh

## bench: benchmarks and the report the README's Performance section quotes
bench: deps build testbed-build
	GLCD=$(BIN)/glcd hack/bench.sh

## testbed-build: build the test bed's Kubernetes binaries into $(CACHE)/testbed (cold ~30 min)
testbed-build:
	$(TESTBED) build >/dev/null

## testbed-up / testbed-down: a test bed that stays up (kubeconfig path on stdout)
testbed-up: testbed-build
	$(TESTBED) up dev
testbed-down:
	$(TESTBED) down

clean: testbed-down
	rm -rf $(BIN)
