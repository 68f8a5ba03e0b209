#!/usr/bin/env bash
# Rebuilds the fonts that package pdf embeds (//go:embed) from Debian's
# fonts-noto-core, reduced with pyftsubset to the characters the PDFs need:
#
#   NotoSans-Regular.ttf, NotoSans-Bold.ttf              Latin (Basic, Latin-1,
#       Extended-A/B, Vietnamese, ə), Greek, Cyrillic, punctuation, currency (€)
#   NotoSansArabic-Regular.ttf, NotoSansArabic-Bold.ttf   the Arabic block, joining
#       controls and Arabic Presentation Forms-A/B (our shaping maps letters to
#       those forms; see internal/pdf/arabic.go)
#   OFL.txt                                               their licence
#
# The files stay TrueType (not WOFF2): go-pdf/fpdf reads TTF and cuts its own
# subset of the glyphs a document uses. Hinting and OpenType layout tables
# are dropped, since fpdf uses neither. The output is committed; builds and tests never
# run this script. Same inputs and tool versions give byte-identical files
# (pyftsubset keeps the head timestamp of the source font).
#
# Run from anywhere:  bash internal/pdf/fonts/build.sh
# Needs Debian's fonts-noto-core and fonttools (apt-get install when missing).
set -euo pipefail

OUT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NOTO=/usr/share/fonts/truetype/noto
COPYRIGHT=/usr/share/doc/fonts-noto-core/copyright
# The version the committed files were built from; another one still builds,
# with a warning, so a reviewer knows the fonts changed.
WANT_DEB=20201225-1

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'fonts/build.sh: %s\n' "$*" >&2; exit 1; }

need=()
[ -f "$NOTO/NotoSans-Regular.ttf" ] && [ -f "$NOTO/NotoSansArabic-Regular.ttf" ] && [ -f "$COPYRIGHT" ] || need+=(fonts-noto-core)
/usr/bin/python3 -c 'import fontTools' 2>/dev/null || need+=(fonttools)
if [ ${#need[@]} -gt 0 ]; then
  sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  log "apt-get install ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
PY=/usr/bin/python3
DEB="$(dpkg-query -W -f='${Version}' fonts-noto-core 2>/dev/null || echo unknown)"
[ "$DEB" = "$WANT_DEB" ] || log "warning: fonts-noto-core is $DEB, the committed fonts were built from $WANT_DEB"
log "fonts-noto-core $DEB, fontTools $("$PY" -c 'import fontTools; print(fontTools.version)')"

# Latin: Basic Latin, Latin-1, Extended-A and -B (Polish, Turkish, Czech,
# Romanian, Kurdish, Azerbaijani ...), ə, spacing and the common combining
# marks (NFC composes most sequences first), Greek, Cyrillic (Russian,
# Ukrainian і ї є ґ, Serbian, Kazakh ...), Vietnamese, general punctuation,
# currency signs (€), letterlike symbols (№), arrows, minus, check mark, bullet, U+FFFD.
R_LATIN="U+0020-007E,U+00A0-024F,U+0259,U+02B9-02BC,U+02C6-02C7,U+02D8-02DD,U+0300-0304,U+0306-0308,U+030A-030C,U+0327-0328,U+0370-03FF,U+0400-04FF,U+1E00-1EFF,U+2000-206F,U+20A0-20C0,U+2100-2150,U+2190-2199,U+2212,U+2215,U+2219,U+25CF,U+2713,U+FFFD"
# Arabic: the whole Arabic block (incl. Persian and Urdu letters and both
# digit sets), ZWNJ/ZWJ/LRM/RLM, Presentation Forms-A and -B, space, dotted circle.
R_ARABIC="U+0020,U+00A0,U+0600-06FF,U+200C-200F,U+FB50-FDFF,U+FE70-FEFF,U+25CC"

subset() { # subset <source> <unicodes>
  local src="$NOTO/$1"
  [ -f "$src" ] || die "missing $src"
  "$PY" -m fontTools.subset "$src" --unicodes="$2" --output-file="$OUT/$1" \
    --no-hinting --layout-features='' --drop-tables+=GSUB,GPOS,GDEF,DSIG \
    --name-IDs=0,1,2,3,4,5,6,13,14 --no-recalc-timestamp \
    2> >(grep -v 'fsSelection bits 7, 8 and 9' >&2 || true)
}

log "subsetting"
for w in Regular Bold; do
  subset "NotoSans-$w.ttf" "$R_LATIN"
  subset "NotoSansArabic-$w.ttf" "$R_ARABIC"
done

# SIL OFL 1.1: Debian ships the licence text as the stand-alone
# "License: OFL-1.1" paragraph of the package's copyright file (lines
# indented by one space, "." for blank lines); we copy that wording.
ofl_text() {
  awk '
    /^License: OFL-1.1$/ && prev == "" && !done { on = 1; next }
    on && !/^ / { on = 0; done = 1 }
    on { sub(/^ /, ""); if ($0 == ".") $0 = ""; print }
    { prev = $0 }
  ' "$COPYRIGHT"
}
[ "$(ofl_text | grep -c 'PERMISSION & CONDITIONS')" = 1 ] || die "OFL text not found in $COPYRIGHT"
name() { "$PY" -c 'import sys; from fontTools.ttLib import TTFont; print(TTFont(sys.argv[1])["name"].getDebugName(int(sys.argv[2])))' "$1" "$2"; }

{
  printf 'Noto Sans: %s\n' "$(name "$NOTO/NotoSans-Regular.ttf" 0)"
  printf 'Noto Sans Arabic: %s\n\n' "$(name "$NOTO/NotoSansArabic-Regular.ttf" 0)"
  printf 'Noto Sans %s and Noto Sans Arabic %s (Regular and Bold), from the Debian\n' \
    "$(name "$NOTO/NotoSans-Regular.ttf" 5 | cut -d';' -f1 | sed 's/^Version //')" \
    "$(name "$NOTO/NotoSansArabic-Regular.ttf" 5 | cut -d';' -f1 | sed 's/^Version //')"
  printf 'package fonts-noto-core %s, subset by internal/pdf/fonts/build.sh (a Modified\n' "$DEB"
  printf 'Version in the sense of the licence below). The Font Software declares no\n'
  printf 'Reserved Font Name.\n\n'
  printf 'This Font Software is licensed under the SIL Open Font License, Version 1.1.\n'
  printf 'This license is copied below, and is also available with a FAQ at:\n'
  printf 'https://openfontlicense.org\n\n'
  printf -- '-----------------------------------------------------------\n'
  printf 'SIL OPEN FONT LICENSE Version 1.1 - 26 February 2007\n'
  printf -- '-----------------------------------------------------------\n\n'
  ofl_text
} >"$OUT/OFL.txt"

total=0
for f in "$OUT"/*.ttf; do
  s=$(stat -c %s "$f"); total=$((total + s))
  printf '%8d  %s\n' "$s" "$(basename "$f")"
done
printf '%8d  total (budget 1572864)\n' "$total"
[ "$total" -le 1572864 ] || die "fonts exceed 1.5 MB"
