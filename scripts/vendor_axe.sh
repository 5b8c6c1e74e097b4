#!/bin/sh
# Refresh the vendored axe-core (the accessibility checker the browser tests inject;
# tests/test_accessibility_browser.py). It is for the test suite only: it lives under
# tests/vendor/, never in static/, so no page ever serves it.
#   scripts/vendor_axe.sh [VERSION]     (default: the version pinned below)
set -eu
VERSION="${1:-4.14.1}"
DEST="$(cd "$(dirname "$0")/.." && pwd)/tests/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "axe-core@$VERSION" >/dev/null
tar -xzf "axe-core-$VERSION.tgz"
cp package/axe.min.js "$DEST/axe.min.js"
cp package/LICENSE "$DEST/AXE-LICENSE.txt"
echo "axe-core $VERSION (MPL-2.0) from the npm registry" > "$DEST/AXE-VERSION.txt"
echo "tests/vendor/axe.min.js: axe-core $VERSION"
