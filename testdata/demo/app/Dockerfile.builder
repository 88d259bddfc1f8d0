# glcd-policy: app
#
# The demo's job board is a shell script standing in for the Haskell app, built with the five
# targets of glcd's Dockerfile.builder, so the tag pipeline's jobs (builder-key, builder,
# publish) run exactly as they do for a stack project, in seconds:
#
#   builder-base  the toolchain: here the glcd image itself (sh, git, glcd), pushed once;
#   builder       builder-base plus the dependencies "compiled": one file per dependency that
#                 package.yaml names (stack build --only-dependencies in the real one);
#   build         the app "compiled" on builder: it needs every dependency's file;
#   app-base      the runtime: busybox (its httpd serves the app);
#   app           the app's files on app-base, non-root.
ARG GLCD=registry.gitlab.com/glcd/glcd:0.1.0
ARG RUNTIME=busybox:1.36.1

FROM ${GLCD} AS builder-base

FROM builder-base AS builder
WORKDIR /home/glcd/src
ENV STACK_ROOT=/home/glcd/.stack
COPY stack.yaml package.yaml ./
RUN set -eu; \
    mkdir -p "$STACK_ROOT/deps"; \
    for dep in $(sed -n 's/^  - //p' package.yaml); do \
      seq 1 20000 | sed "s/^/$dep object /" >"$STACK_ROOT/deps/$dep.o"; \
      echo "compiled $dep"; \
    done

FROM builder AS build
COPY Makefile web.sh test.sh ./
RUN set -eu; \
    for dep in $(sed -n 's/^  - //p' package.yaml); do \
      [ -f "$STACK_ROOT/deps/$dep.o" ] || { echo "$dep is not compiled: the builder is stale" >&2; exit 1; }; \
    done; \
    mkdir -p /tmp/out; \
    sed -n 's/^DEPLOY_VERSION = //p' Makefile >/tmp/out/VERSION; \
    cp web.sh /tmp/out/web; chmod 755 /tmp/out/web

FROM ${RUNTIME} AS app-base

FROM app-base AS app
COPY --from=build /tmp/out/web /usr/local/bin/web
COPY --from=build /tmp/out/VERSION /usr/local/share/jobboard/VERSION
USER 1000:1000
EXPOSE 8080
LABEL org.opencontainers.image.title=jobboard
CMD ["/usr/local/bin/web"]
