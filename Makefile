# glcd: build, test, demo, bench. Outputs and caches live in $(CACHE), never in the tree.
SHELL   := /bin/bash
GO      ?= go
CACHE   ?= $(HOME)/.cache/glcd
BIN     ?= $(CACHE)/bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
CLIENT_GO := $(shell $(GO) list -m -f '{{.Version}}' k8s.io/client-go)
# kubectl inside glcd reports the Kubernetes version of that client-go (v0.37.2 -> v1.37.2)
KUBE_VERSION := $(patsubst v0.%,v1.%,$(CLIENT_GO))
KUBE_LDFLAGS := -X k8s.io/component-base/version.gitVersion=$(KUBE_VERSION) -X k8s.io/component-base/version.gitMajor=1 \
  -X k8s.io/component-base/version.gitMinor=$(word 2,$(subst ., ,$(KUBE_VERSION))) -X k8s.io/component-base/version.gitTreeState=clean
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.clientGo=$(CLIENT_GO) $(KUBE_LDFLAGS)
TESTBED := $(GO) run ./internal/testbed/cmd/testbed
# TALK keeps a long step talking: a line whenever it has been quiet for 50 s (hack/talk)
TALK := $(GO) run ./hack/talk
# One build configuration for all that make compiles (static, no cgo, trimmed paths): go vet, the
# test binaries, the glcd the tests run and make build then share one compile of the dependencies
# (a cold CI run compiled Kubernetes' client libraries three times before: cgo on and off, with
# and without -trimpath).
export CGO_ENABLED := 0
export GOFLAGS := -trimpath
# STAMP marks the start of a step in the log, for the CI time report (hack/ci-times.sh).
STAMP = @echo "[$$(date +%s)] make $@"
STATICCHECK_VERSION ?= v0.8.2
# The image: $(IMAGE):<version> and :<minor>. docker (when its daemon answers) builds Dockerfile.kubectl as it is (alpine
# base); on a machine with only podman, images/cmd/glcd-image builds it on a local Debian base
# with the settings this kind of machine needs (no registry, runc, private storage).
REGISTRY ?= registry.gitlab.com/glcd
IMAGE    ?= $(REGISTRY)/glcd
IMAGE_VERSION := $(patsubst v%,%,$(VERSION))
IMAGE_MINOR   := $(shell echo '$(IMAGE_VERSION)' | cut -d. -f1,2)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
IMAGE_CLI ?= $(shell if docker info >/dev/null 2>&1; then echo docker; elif command -v podman >/dev/null 2>&1; then echo podman; fi)
ifeq ($(IMAGE_CLI),podman)
CONTAINER := $(GO) run ./images/cmd/glcd-image podman
else
CONTAINER := $(IMAGE_CLI)
endif

.PHONY: build deps test test-short fuzz test-stress test-real-runner lint vet staticcheck shellcheck demo bench testbed-build testbed-up testbed-down clean image-kubectl image-builder-base image-app-base image-builder image-app images publish

## build: the static glcd binary at $(BIN)/glcd
build:
	$(STAMP)
	$(TALK) -label "make build" -summarize -quiet 30s -- $(GO) build -v -ldflags "$(LDFLAGS)" -o $(BIN)/glcd ./cmd/glcd

## deps: the Debian packages the test bed needs (containerd, runc, CNI plugins, docker-registry, ...)
deps:
	$(STAMP)
	hack/deps.sh

## test: everything: vet, staticcheck, unit tests and integration tests on the real test bed; the
## tests that run the glcd binary run the one make build wrote ($(BIN)/glcd)
test: deps testbed-build lint build test-short fuzz
	$(STAMP)
	GLCD_TEST_BIN=$(BIN)/glcd $(TALK) -label "make test" -json -- $(GO) test -json -count=1 -timeout 60m ./...

## test-short: the pure tests only (go test -short): no test bed, no root (as root, make runs each test
## binary as nobody through hack/unprivileged.sh); the integration tests skip where they ask for the cluster
test-short:
	$(STAMP)
	@hack/unprivileged.sh --check
	$(TALK) -label "make test-short" -- $(GO) test -short -count=1 -exec $(CURDIR)/hack/unprivileged.sh ./...

## fuzz: each fuzz target for FUZZTIME (the manifest edit, the pipeline reader, the secret masker);
## a failing input lands in the package's testdata/fuzz, where go test replays it ever after
FUZZTIME ?= 15s
fuzz:
	$(STAMP)
	$(GO) test -run '^$$' -fuzz '^FuzzSetImage$$' -fuzztime $(FUZZTIME) ./internal/manifest
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) ./internal/pipeline
	$(GO) test -run '^$$' -fuzz '^FuzzMaskerNeverLeaks$$' -fuzztime $(FUZZTIME) ./internal/ci

## test-stress: the flake hunt (not in CI): the whole suite 3 times with both cores kept busy by
## stress-ng, then once idle; logs in $(CACHE)/stress
test-stress: deps testbed-build build
	GLCD_TEST_BIN=$(BIN)/glcd hack/test-stress.sh

## test-real-runner: the executor under the real GitLab Runner (not in CI: no runner binary there):
## GITLAB_RUNNER=/path/gitlab-runner GITLAB_RUNNER_HELPER=/path/gitlab-runner-helper [RECORD=1: also
## record what the runner hands each stage into executor/testdata/runner-17.9.3, for CI's replay]
test-real-runner: deps testbed-build build
	@test -x "$(GITLAB_RUNNER)" && test -x "$(GITLAB_RUNNER_HELPER)" || { echo "set GITLAB_RUNNER and GITLAB_RUNNER_HELPER to the binaries (README: Under the real GitLab Runner)"; exit 2; }
	GLCD_TEST_BIN=$(BIN)/glcd GLCD_GITLAB_RUNNER=$(GITLAB_RUNNER) GLCD_GITLAB_RUNNER_HELPER=$(GITLAB_RUNNER_HELPER) \
	  GLCD_RECORD_RUNNER=$(RECORD) $(GO) test -tags realrunner -count=1 -timeout 30m -run 'TestRealRunner' -v ./executor

## lint: gofmt, go vet, staticcheck and shellcheck
lint: vet staticcheck shellcheck
vet:
	$(STAMP)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: the files above need formatting"; exit 1; }
	$(TALK) -label "go vet" -- $(GO) vet ./...
staticcheck:
	$(STAMP)
	$(TALK) -label staticcheck -- $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
shellcheck:
	$(STAMP)
	shellcheck $$(git ls-files scripts hack '*.sh' .ci/run | grep -v '\.go$$' | sort -u)

## image-kubectl: the glcd image for GitLab CI's image: line (Dockerfile.kubectl), tagged $(IMAGE):$(IMAGE_VERSION)
image-kubectl:
ifeq ($(IMAGE_CLI),docker)
	docker build -f Dockerfile.kubectl $(if $(BASE),--build-arg BASE=$(BASE)) --build-arg VERSION=$(IMAGE_VERSION) \
	  --build-arg REVISION=$(REVISION) --build-arg CREATED=$$(date -u +%FT%TZ) -t $(IMAGE):$(IMAGE_VERSION) .
else ifeq ($(IMAGE_CLI),podman)
	$(GO) run ./images/cmd/glcd-image build -tag $(IMAGE):$(IMAGE_VERSION) -version $(IMAGE_VERSION) -revision $(REVISION)
else
	@echo "image-kubectl needs docker or podman (make deps installs podman)"; exit 2
endif

# The builder images (Dockerfile.builder) of a Haskell app, the sample app unless APP_DIR names
# another. With podman the bases are the local Debian image and the glcd image builder-base
# carries (make image-kubectl makes both).
APP_DIR      ?= testdata/builder-app
BUILDER_BASE ?= $(REGISTRY)/builder-base:9.0.2-1
APP_BASE     ?= $(REGISTRY)/app-base:9.0.2-1
ifeq ($(IMAGE_CLI),podman)
BUILDER_FLAGS := --pull=never --network=host --layers --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 \
  --build-arg BASE=localhost/glcd/debian:bookworm-minbase --build-arg RUNTIME=localhost/glcd/debian:bookworm-minbase \
  --build-arg GLCD=$(IMAGE):$(IMAGE_VERSION)
endif
BUILDER_KEY = $$($(GO) run ./cmd/glcd builder-key --dir $(APP_DIR) --base $(BUILDER_BASE))

## image-builder-base: the Haskell toolchain image, $(BUILDER_BASE)
image-builder-base:
	$(CONTAINER) build $(BUILDER_FLAGS) -f Dockerfile.builder --target builder-base -t $(BUILDER_BASE) $(APP_DIR)

## image-app-base: the app's runtime (C libraries, tini, a non-root user), $(APP_BASE)
image-app-base:
	$(CONTAINER) build $(BUILDER_FLAGS) -f Dockerfile.builder --target app-base -t $(APP_BASE) $(APP_DIR)

## image-builder: $(APP_DIR)'s dependencies compiled, tagged $(REGISTRY)/builder:<glcd builder-key>
image-builder:
	$(CONTAINER) build $(BUILDER_FLAGS) -f Dockerfile.builder --target builder -t $(REGISTRY)/builder:$(BUILDER_KEY) $(APP_DIR)

## image-app: $(APP_DIR)'s app image, $(REGISTRY)/app:$(IMAGE_VERSION)
image-app:
	$(CONTAINER) build $(BUILDER_FLAGS) -f Dockerfile.builder --target app -t $(REGISTRY)/app:$(IMAGE_VERSION) $(APP_DIR)

## images: every image of the project
images: image-kubectl

## publish: push $(IMAGE):<version> and :<minor> to $(REGISTRY) (a release version X.Y.Z only; log in first)
publish:
	@echo '$(IMAGE_VERSION)' | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$$' || \
	  { echo "publish: $(IMAGE_VERSION) is not a release version X.Y.Z: tag the commit vX.Y.Z first"; exit 2; }
	$(MAKE) image-kubectl
	$(CONTAINER) tag $(IMAGE):$(IMAGE_VERSION) $(IMAGE):$(IMAGE_MINOR)
	$(CONTAINER) push $(IMAGE):$(IMAGE_VERSION)
	$(CONTAINER) push $(IMAGE):$(IMAGE_MINOR)

## demo: build glcd, start the local test bed, and play the flow on it
demo: deps build testbed-build
	GLCD=$(BIN)/glcd $(TALK) -label "make demo" -- hack/demo.sh

## bench: benchmarks and the report the README's Performance section quotes; with GITLAB_RUNNER and
## GITLAB_RUNNER_HELPER, also glcd's executor beside GitLab's Kubernetes executor under the real runner
bench: deps build testbed-build
	GLCD=$(BIN)/glcd GITLAB_RUNNER=$(GITLAB_RUNNER) GITLAB_RUNNER_HELPER=$(GITLAB_RUNNER_HELPER) hack/bench.sh

## testbed-build: build the test bed's Kubernetes binaries into $(CACHE)/testbed (cold ~30 min)
testbed-build:
	$(STAMP)
	$(TESTBED) build >/dev/null

## testbed-up / testbed-down: a test bed that stays up (kubeconfig path on stdout)
testbed-up: testbed-build
	$(TESTBED) up dev
testbed-down:
	$(TESTBED) down

clean: testbed-down
	rm -rf $(BIN)
