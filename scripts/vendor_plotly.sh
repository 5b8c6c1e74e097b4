#!/bin/sh
# Refresh the vendored plotly.js that draws the dashboard's, reliability's, drift's and the
# rounds' charts in the browser (static/js/*.js build the traces from the plain data of
# coding/public/dashboard.py and friends). The file is plotly.js's own minified bundle from
# the npm registry (plotly.js-dist-min), byte for byte the copy the `plotly` Python package
# ships, which is why that package is no longer a dependency.
#   scripts/vendor_plotly.sh [VERSION]     (default: the version pinned below)
set -eu
VERSION="${1:-4.1.1}"
DEST="$(cd "$(dirname "$0")/.." && pwd)/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "plotly.js-dist-min@$VERSION" >/dev/null
tar -xzf "plotly.js-dist-min-$VERSION.tgz"
cp package/plotly.min.js "$DEST/plotly.min.js"
cp package/LICENSE "$DEST/PLOTLY-LICENSE.txt"
echo "static/vendor/plotly.min.js: plotly.js $VERSION (MIT) from the npm registry"
echo "static/vendor/plotly.css is plotly.js's stylesheet; check it against the release's src/css."
