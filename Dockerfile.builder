# glcd-policy: app
#
# Cached builds of a Haskell web app (stack or cabal) in three targets:
#
#   builder-base  the toolchain: Debian's GHC 9.0.2, cabal-install and stack, the C libraries
#                 Haskell web apps link, and Debian's pre-built Haskell libraries (HASKELL_LIBS);
#   builder       builder-base plus the project's dependencies compiled: ONLY the dependency
#                 files are copied (stack.yaml, stack.yaml.lock, package.yaml, *.cabal,
#                 cabal.project*, and LOCAL_DEPS, the directory of local dependencies), so it
#                 is rebuilt only when they change. Tag it with `glcd builder-key`;
#   app-base      the slim runtime: the C libraries the executable links, tini, a non-root user;
#   app           the project compiled on top of builder; only its executable goes onto app-base.
#
# builder-base carries glcd (from the GLCD image), so a CI job running in builder-base or in
# builder:<key> builds the next image itself, unprivileged: `glcd image build -f
# Dockerfile.builder --target builder|app --base ...` runs the stage's steps in the job's own
# container and pushes the base plus one layer (README, "Build and publish images").
#
#   docker build -f Dockerfile.builder --target builder-base -t $REG/builder-base:9.0.2-1 .
#   KEY=$(glcd builder-key --base $REG/builder-base:9.0.2-1)
#   docker buildx build -f Dockerfile.builder --target builder \
#     --build-context builder-base=docker-image://$REG/builder-base:9.0.2-1 -t $REG/builder:$KEY .
#   docker buildx build -f Dockerfile.builder --target app \
#     --build-context builder=docker-image://$REG/builder:$KEY -t $REG/app:1.4.0 .
#
# A --build-context named after a stage replaces that stage (buildx, and podman/buildah's
# --build-context): the app is then compiled on the pushed builder, not on a rebuilt one.
# Without them one build runs every stage.
# The build needs no Hackage: stack runs with the system GHC (resolver: ghc-9.0.2,
# system-ghc: true) and finds the libraries in GHC's global package database.
#
# BASE and RUNTIME are Debian bookworm (the index digest of debian:12.12-slim); any
# Debian-like image with the same GHC works.
ARG BASE=debian:12.12-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c
ARG RUNTIME=debian:12.12-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c
# the glcd image whose binary builder-base carries
ARG GLCD=registry.gitlab.com/glcd/glcd:0.1.0

FROM ${GLCD} AS glcd

FROM ${BASE} AS builder-base
# Debian's Haskell libraries in the toolchain image: the common web stack, and what the sample
# app's vendored dependencies (servant, servant-server, megaparsec) build on.
ARG HASKELL_LIBS="libghc-warp-dev libghc-wai-dev libghc-http-types-dev libghc-scotty-dev libghc-aeson-dev \
  libghc-attoparsec-dev libghc-base-compat-dev libghc-base64-bytestring-dev libghc-bifunctors-dev \
  libghc-case-insensitive-dev libghc-constraints-dev libghc-http-api-data-dev libghc-http-media-dev \
  libghc-mmorph-dev libghc-monad-control-dev libghc-network-dev libghc-network-uri-dev \
  libghc-quickcheck2-dev libghc-resourcet-dev libghc-scientific-dev libghc-singleton-bool-dev \
  libghc-sop-core-dev libghc-string-conversions-dev libghc-tagged-dev libghc-transformers-base-dev \
  libghc-vault-dev libghc-wai-app-static-dev libghc-word8-dev"
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends ghc cabal-install haskell-stack \
      libgmp-dev zlib1g-dev libffi-dev pkg-config ca-certificates git $HASKELL_LIBS; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log /var/cache/debconf/*-old
# stack's and cabal's stores live in the image, so the builder stage keeps what it compiles.
ENV STACK_ROOT=/opt/stack CABAL_DIR=/opt/cabal LANG=C.UTF-8
RUN set -eu; \
    mkdir -p "$STACK_ROOT" "$CABAL_DIR"; \
    printf 'system-ghc: true\ninstall-ghc: false\nrecommend-stack-upgrade: false\n' >"$STACK_ROOT/config.yaml"
WORKDIR /src
# last, so a new glcd does not rebuild the toolchain
COPY --from=glcd /usr/local/bin/glcd /usr/local/bin/glcd

FROM builder-base AS builder
# Which directory holds the local dependencies stack.yaml or cabal.project name.
ARG LOCAL_DEPS=vendor
COPY stack.yaml* package.yaml* *.cabal cabal.project* ./
COPY ${LOCAL_DEPS} ./${LOCAL_DEPS}/
RUN set -eu; \
    if [ -f stack.yaml ]; then \
      stack build --only-dependencies --system-ghc --no-install-ghc; \
    else \
      cabal build --only-dependencies all; \
    fi

FROM builder AS build
# The executable the app image runs.
ARG EXE=hello
COPY . .
RUN set -eu; \
    mkdir -p /out; \
    if [ -f stack.yaml ]; then \
      stack build --system-ghc --no-install-ghc --copy-bins --local-bin-path /out; \
    else \
      cabal install --installdir=/out --install-method=copy "exe:$EXE"; \
    fi; \
    test -x "/out/$EXE"; \
    mv "/out/$EXE" /out/app

FROM ${RUNTIME} AS app-base
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends libgmp10 libffi8 zlib1g ca-certificates tini; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log /var/cache/debconf/*-old; \
    echo 'app:x:1000:1000:app:/home/app:/usr/sbin/nologin' >>/etc/passwd; \
    echo 'app:x:1000:' >>/etc/group; \
    mkdir -p /home/app; chown 1000:1000 /home/app

# Only files and config from here on: glcd image build assembles this stage on a pushed app-base.
FROM app-base AS app
COPY --from=build /out/app /usr/local/bin/app
USER 1000:1000
ENV HOME=/home/app PORT=8080
EXPOSE 8080
# tini as PID 1 forwards SIGTERM (a GHC program as PID 1 ignores it, so a pod would wait its
# whole grace period). The readiness probe's endpoint: GET /healthz answers 200 "ok".
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["/usr/local/bin/app"]
