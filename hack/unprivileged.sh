#!/usr/bin/env bash
# go test -exec hack/unprivileged.sh: runs each test binary as an ordinary user (nobody, no
# capabilities) when make runs as root, so that `make test-short` proves the pure tests need
# neither root nor the test bed. As any other user it runs the binary as it is.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
	exec "$@"
fi
# go test's build directory is root's alone: the binary moves to one the user can read, and the
# user gets a home of its own
dir=$(mktemp -d /tmp/glcd-unprivileged.XXXXXX)
trap 'rm -rf "$dir"' EXIT
install -m 0755 "$1" "$dir/test"
shift
mkdir "$dir/home"
chown 65534:65534 "$dir/home"
chmod 0755 "$dir"
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
	env HOME="$dir/home" TMPDIR="$dir/home" "$dir/test" "$@"
