#!/usr/bin/env bash
# build.sh OUTDIR K8S_VERSION STAGING_VERSION ETCD_VERSION [PINS]
# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet and kubectl from the
# Go module proxy into OUTDIR/bin. Called (under a lock) by internal/testbed when the binaries for a
# version are missing; safe to run by hand. Cold: ~10 min on 2 cores; warm: nothing to do.
#
# PINS is a file of "module version" lines (glcd's own build list): where glcd uses a newer version
# of a module Kubernetes needs, the build takes glcd's, and builds as make does (CGO_ENABLED=0,
# -trimpath), so the packages both compile (client-go, apimachinery, x/net, protobuf, ...) are
# compiled once for both in the Go build cache. If Kubernetes does not build with them, the build
# starts again with Kubernetes' own versions.
set -euo pipefail
out=$1 k8s=$2 staging=$3 etcd=$4 pins=${5:-}
export CGO_ENABLED=0
step() { printf 'testbed build [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }
mod=$out/buildmod
mkdir -p "$out/bin.tmp" "$mod"
cd "$mod"
# 'go install k8s.io/kubernetes/cmd/...@v' is refused (replace directives in its go.mod). A scratch
# module requiring k8s.io/kubernetes and every k8s.io staging module at the matching v0.X.Y makes
# version selection pick those without replace directives.
mods="api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider
  cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api cri-client
  cri-streaming csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator
  kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics mount-utils pod-security-admission
  sample-apiserver streaming"
gomod() {
  printf 'module glcd.local/testbed-build\n\ngo 1.26\n\nrequire (\n'
  printf '\tk8s.io/kubernetes %s\n\tgo.etcd.io/etcd/server/v3 %s\n' "$k8s" "$etcd"
  for m in $mods; do printf '\tk8s.io/%s %s\n' "$m" "$staging"; done
  if [ -n "$1" ]; then
    # k8s.io modules stay at the versions above; the rest only ever moves up (minimal version selection)
    grep -Ev '^(k8s\.io/|go\.etcd\.io/etcd/|$)' "$1" | while read -r m v; do printf '\t%s %s\n' "$m" "$v"; done
  fi
  printf ')\n'
}
cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
GO
minor=${k8s#v1.}; minor=${minor%%.*}
ldf="-s -w -X k8s.io/component-base/version.gitVersion=$k8s -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
build() {
  gomod "$1" > go.mod
  rm -f go.sum
  step "1/3 resolving and downloading the modules (about 1.2 GB, once)${1:+, with the module versions of glcd}"
  go mod tidy 2> "$out/tidy.log" || { cat "$out/tidy.log"; return 1; }
  step "2/3 compiling etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kubectl in one go build (the long part)"
  # one 'go build' for all six shares the compilation of their common packages
  go build -trimpath -ldflags "$ldf" -o "$out/bin.tmp/" go.etcd.io/etcd/server/v3 \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kubectl
}
if [ -z "$pins" ] || ! build "$pins"; then
  [ -z "$pins" ] || step "Kubernetes $k8s does not build with glcd's module versions: building with its own"
  build ""
fi
mv "$out/bin.tmp/server" "$out/bin.tmp/etcd"
rm -rf "${out:?}/bin"
mv "$out/bin.tmp" "$out/bin"
step "3/3 done: $(du -sh "$out/bin" | cut -f1) of binaries in $out/bin"
