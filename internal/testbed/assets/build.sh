#!/usr/bin/env bash
# build.sh OUTDIR K8S_VERSION STAGING_VERSION ETCD_VERSION
# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet and kubectl from the
# Go module proxy into OUTDIR/bin. Called (under a lock) by internal/testbed when the binaries for a
# version are missing; safe to run by hand. Cold: ~30 min on 2 cores; warm: nothing to do.
set -euo pipefail
out=$1 k8s=$2 staging=$3 etcd=$4
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
{
  printf 'module glcd.local/testbed-build\n\ngo 1.26\n\nrequire (\n'
  printf '\tk8s.io/kubernetes %s\n\tgo.etcd.io/etcd/server/v3 %s\n' "$k8s" "$etcd"
  for m in $mods; do printf '\tk8s.io/%s %s\n' "$m" "$staging"; done
  printf ')\n'
} > go.mod
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
step "1/3 resolving and downloading the modules (about 1.2 GB, once)"
go mod tidy 2> "$out/tidy.log" || { cat "$out/tidy.log"; exit 1; }
step "2/3 compiling etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kubectl in one go build (the long part)"
minor=${k8s#v1.}; minor=${minor%%.*}
ldf="-s -w -X k8s.io/component-base/version.gitVersion=$k8s -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
# one 'go build' for all six shares the compilation of their common packages
go build -ldflags "$ldf" -o "$out/bin.tmp/" go.etcd.io/etcd/server/v3 \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kubectl
mv "$out/bin.tmp/server" "$out/bin.tmp/etcd"
rm -rf "$out/bin"
mv "$out/bin.tmp" "$out/bin"
step "3/3 done: $(du -sh "$out/bin" | cut -f1) of binaries in $out/bin"
