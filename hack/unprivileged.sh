#!/usr/bin/env bash
# go test -exec hack/unprivileged.sh: runs each test binary as an ordinary user (nobody, no
# capabilities) when make runs as root, so that `make test-short` proves the pure tests need
# neither root nor the test bed. As any other user it runs the binary as it is.
# hack/unprivileged.sh --check says which of the two it will do here.
# When nobody cannot read the checkout (a clone under /root), the binaries run as root with
# every capability dropped instead: still without the privileges the test bed needs.
set -euo pipefail
nobody=(--reuid=65534 --regid=65534 --clear-groups)
as_nobody() { setpriv "${nobody[@]}" test -r "$PWD" -a -x "$PWD" 2>/dev/null; }
if [ "${1:-}" = --check ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "test-short: the test binaries run as $(id -un), as they are"
	elif as_nobody; then
		echo "test-short: the test binaries run as nobody, without capabilities"
	else
		echo "test-short: nobody cannot read $PWD: the test binaries run as root without capabilities"
	fi
	exit 0
fi
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
chmod 0755 "$dir"
user=()
if as_nobody; then
	chown 65534:65534 "$dir/home"
	user=("${nobody[@]}")
fi
setpriv "${user[@]}" --inh-caps=-all --bounding-set=-all \
	env HOME="$dir/home" TMPDIR="$dir/home" "$dir/test" "$@"
