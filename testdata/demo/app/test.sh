#!/bin/sh
# The demo app's tests: the version is a release number and the server script parses.
set -eu
v=$(sed -n 's/^DEPLOY_VERSION = //p' Makefile)
echo "$v" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$' || { echo "DEPLOY_VERSION '$v' is not X.Y.Z" >&2; exit 1; }
sh -n web.sh
echo "2 tests passed (version $v)"
