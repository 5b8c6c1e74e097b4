#!/usr/bin/env bash
# Refresh the vendored PDF renderer (pdfjs-dist, Apache-2.0) from the npm registry into
# static/vendor/pdfjs/: the library, its worker, the standard fonts (for PDFs that do not embed
# Helvetica, Times and the like) and the licences. Nothing is loaded from a CDN at run time.
#
#   scripts/vendor_pdfjs.sh            # the version pinned below
#   PDFJS_VERSION=6.6.0 scripts/vendor_pdfjs.sh
#
# The files keep a .js extension (not .mjs) so every static file server sends them as
# JavaScript, which module scripts and module workers require.
set -euo pipefail
PDFJS_VERSION="${PDFJS_VERSION:-6.5.438}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/static/vendor/pdfjs"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "pdfjs-dist@$PDFJS_VERSION" >/dev/null && tar xzf pdfjs-dist-*.tgz)
package="$tmp/package"
rm -rf "$dest"
mkdir -p "$dest/standard_fonts"
cp "$package/build/pdf.min.mjs" "$dest/pdf.min.js"
cp "$package/build/pdf.worker.min.mjs" "$dest/pdf.worker.min.js"
cp "$package/LICENSE" "$dest/LICENSE"
cp "$package"/standard_fonts/* "$dest/standard_fonts/"
echo "pdfjs-dist $PDFJS_VERSION from the npm registry (scripts/vendor_pdfjs.sh)" > "$dest/VERSION"
echo "static/vendor/pdfjs: pdfjs-dist $PDFJS_VERSION"
