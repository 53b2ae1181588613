#!/usr/bin/env bash
# Fetch the pinned front-end libraries from the npm registry into app/static/vendor/,
# and axe-core (a test asset, injected by tests/e2e/test_accessibility.py, never
# served by the app) into tests/e2e/vendor/.
# The files are committed; run this only to upgrade (then update the versions
# below, the <script> tags in app/templates/base.html, AXE in
# tests/e2e/test_accessibility.py and the README).
set -euo pipefail
HTMX=2.0.11
HTMX_WS=2.0.4
AXE=4.14.1
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/app/static/vendor"
axe_dest="$root/tests/e2e/vendor/axe-core-$AXE"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "htmx.org@$HTMX" "htmx-ext-ws@$HTMX_WS" "axe-core@$AXE" >/dev/null
for f in *.tgz; do mkdir "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}" --strip-components=1; done
cp "htmx.org-$HTMX/dist/htmx.min.js" "$dest/htmx-$HTMX.min.js"
cp "htmx.org-$HTMX/LICENSE" "$dest/htmx.LICENSE"
# htmx-ext-ws is the maintained htmx 2 extension (not htmx.org's dist/ext/ws.js).
cp "htmx-ext-ws-$HTMX_WS/dist/ws.min.js" "$dest/htmx-ext-ws-$HTMX_WS.min.js"
echo "vendored htmx $HTMX and htmx-ext-ws $HTMX_WS into $dest"
mkdir -p "$axe_dest"
cp "axe-core-$AXE/axe.min.js" "axe-core-$AXE/LICENSE" "$axe_dest/"
echo "vendored axe-core $AXE (test asset) into $axe_dest"
