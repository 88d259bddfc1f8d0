#!/usr/bin/env bash
# Installs the Debian packages the test bed, the tests and the demo need, when missing
# (podman, buildah, debootstrap, eatmydata: the image tests; shellcheck: make lint).
set -euo pipefail
pkgs=(containerd runc time containernetworking-plugins iproute2 util-linux git gcc libc6-dev busybox-static docker-registry make ca-certificates
  podman buildah debootstrap eatmydata shellcheck)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
