#!/bin/sh
# Refresh the vendored plotly.js that draws the dashboard's, reliability's, drift's and the
# rounds' charts in the browser (static/js/*.js build the traces from the plain data of
# coding/public/dashboard.py and friends). The file is plotly.js's own minified bundle from
# the npm registry (plotly.js-dist-min), byte for byte the copy the `plotly` Python package
# ships, which is why that package is no longer a dependency.
# static/vendor/plotly-locales.js is Plotly's Spanish and Simplified Chinese locale files
# (the toolbar's tooltips, dates and number format) from the same release's plotly.js
# package, one after the other; static/js/plotly-locale.js picks one from the page language.
#   scripts/vendor_plotly.sh [VERSION]     (default: the version pinned below)
set -eu
VERSION="${1:-4.1.1}"
LOCALES="es zh-cn"
DEST="$(cd "$(dirname "$0")/.." && pwd)/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "plotly.js-dist-min@$VERSION" >/dev/null
tar -xzf "plotly.js-dist-min-$VERSION.tgz"
cp package/plotly.min.js "$DEST/plotly.min.js"
cp package/LICENSE "$DEST/PLOTLY-LICENSE.txt"
rm -rf package
npm pack --silent "plotly.js@$VERSION" >/dev/null
for locale in $LOCALES; do
  tar -xzf "plotly.js-$VERSION.tgz" "package/dist/plotly-locale-$locale.js"
done
{
  echo "/* plotly.js $VERSION (MIT) locales: $LOCALES, from the npm registry (scripts/vendor_plotly.sh) */"
  for locale in $LOCALES; do cat "package/dist/plotly-locale-$locale.js"; echo; done
} > "$DEST/plotly-locales.js"
echo "static/vendor/plotly.min.js: plotly.js $VERSION (MIT) from the npm registry"
echo "static/vendor/plotly-locales.js: plotly.js $VERSION locales $LOCALES"
echo "static/vendor/plotly.css is plotly.js's stylesheet; check it against the release's src/css."
