#!/bin/sh
# Rebuilds ../prosemirror.min.js, ../prosemirror.css and ../LICENSE from the pinned npm packages.
# Dev-time only (Node 18+ and npm); the portal never runs node. Works in a temporary folder so no
# node_modules ever lands among the static files.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(dirname "$here")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$here/entry.mjs" "$here/licences.mjs" "$work/" 2>/dev/null || cp "$here/package.json" "$here/entry.mjs" "$here/licences.mjs" "$work/"
cd "$work"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --ignore-scripts; else npm install --no-audit --no-fund --ignore-scripts && cp package-lock.json "$here/"; fi
node_modules/.bin/esbuild entry.mjs --bundle --minify --format=iife --global-name=CoalitionProseMirror \
  --target=es2020 --legal-comments=none --metafile=meta.json --outfile="$out/prosemirror.min.js"
cat node_modules/prosemirror-view/style/prosemirror.css node_modules/prosemirror-tables/style/tables.css \
  node_modules/prosemirror-gapcursor/style/gapcursor.css > "$out/prosemirror.css"
node licences.mjs meta.json > "$out/LICENSE"
echo "Built $(wc -c < "$out/prosemirror.min.js") bytes; gzip: $(gzip -9c "$out/prosemirror.min.js" | wc -c) bytes"
