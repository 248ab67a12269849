#!/bin/sh
# Quick start: install the Debian packages that are missing, build vouch in
# build/quickstart, and run the demo with the freshly built tools.
#   examples/quickstart.sh [demo options]
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
"$src/.ci/install-deps"
cd "$src"
[ -x configure ] || autoreconf -fi >/dev/null 2>&1
mkdir -p build/quickstart
cd build/quickstart
[ -f Makefile ] || "$src/configure" -q
make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
PATH="$PWD/tools:$PATH"
export PATH
exec "$src/examples/demo.sh" "$@"
