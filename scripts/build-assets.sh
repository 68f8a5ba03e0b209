#!/usr/bin/env bash
# Builds the vendored front-end assets of the Sozialplattform:
#
#   internal/web/static/vendor/kern/kern.min.css   KERN-UX CSS, purged to the classes we use
#   internal/web/static/vendor/kern/LICENSE.md     EUPL-1.2 from the package
#   internal/web/static/vendor/fonts/*.woff2       Fira Sans 400/600 + Noto Sans Arabic, subset per script
#   internal/web/static/vendor/fonts/OFL-*.txt     their SIL Open Font License texts
#   internal/web/static/vendor/README.md           what each file is
#   internal/web/static/css/fonts.css              @font-face rules for the files above
#
# and prints a size table (raw / gzip / brotli), which it also writes into
# docs/assets.md between the sizes markers.
#
# Run from anywhere:  bash scripts/build-assets.sh
# Needs: npm (registry access), Debian's fonttools, python3-brotli and
# fonts-noto-core (installed with apt-get when missing). Its output is
# committed; the service's build and tests never run it. Deterministic:
# the same templates and tool versions give byte-identical output.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ASSETS="$ROOT/scripts/assets"
STATIC="$ROOT/internal/web/static"
VENDOR="$STATIC/vendor"
FONTS_OUT="$VENDOR/fonts"
KERN_OUT="$VENDOR/kern"
NOTO_DIR=/usr/share/fonts/truetype/noto
NOTO_AR_REGULAR="$NOTO_DIR/NotoSansArabic-Regular.ttf"
NOTO_AR_BOLD="$NOTO_DIR/NotoSansArabic-Bold.ttf"
NOTO_COPYRIGHT=/usr/share/doc/fonts-noto-core/copyright

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build-assets: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- tools ----

APT_UPDATED=
apt_install() {
  local sudo=
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "need root or sudo to apt-get install $*"
    sudo=sudo
  fi
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: $*"
  if [ -z "$APT_UPDATED" ]; then
    log "apt-get update"
    $sudo apt-get update -qq
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

command -v npm >/dev/null 2>&1 || apt_install nodejs npm

# Python with fontTools + brotli (for woff2): Debian's python3, which is what
# Debian's pyftsubset runs on; a pyenv/venv python3 earlier in PATH may lack them.
find_python() {
  local p
  for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import fontTools, brotli' >/dev/null 2>&1; then
      command -v "$p"
      return 0
    fi
  done
  return 1
}
PY="$(find_python || true)"
if [ -z "$PY" ] || ! command -v pyftsubset >/dev/null 2>&1; then
  apt_install fonttools python3-brotli
  PY="$(find_python)" || die "fontTools/brotli still not importable"
fi
PYFTSUBSET=("$PY" -m fontTools.subset)

if [ ! -f "$NOTO_AR_REGULAR" ] || [ ! -f "$NOTO_AR_BOLD" ] || [ ! -f "$NOTO_COPYRIGHT" ]; then
  apt_install fonts-noto-core
fi
[ -f "$NOTO_AR_REGULAR" ] && [ -f "$NOTO_AR_BOLD" ] || die "Noto Sans Arabic not found in $NOTO_DIR"

log "npm ci (scripts/assets: @kern-ux/native, purgecss, postcss, csso)"
(cd "$ASSETS" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)

KERN_PKG="$ASSETS/node_modules/@kern-ux/native"
KERN_VERSION="$(node -p 'require(process.argv[1]).version' "$KERN_PKG/package.json")"
FIRA_DIR="$KERN_PKG/dist/fonts/fira-sans"

# ------------------------------------------------------------------ CSS ----

log "purging KERN-UX $KERN_VERSION CSS"
mkdir -p "$KERN_OUT"
node "$ASSETS/purge-kern.cjs" "$ROOT" "$KERN_OUT/kern.min.css"
cp "$KERN_PKG/LICENSE.md" "$KERN_OUT/LICENSE.md"

# ---------------------------------------------------------------- fonts ----
# KERN's CSS uses font-family "Fira Sans" (via --kern-typography-font-family-default)
# with font-weight 400 (body, labels), 500 (sublines, balanced headings) and
# 600 (headings, titles, buttons, strong labels). We ship 400 and 600; the
# browser's font matching renders 500 with the 400 face and 700 (<strong>)
# with the 600 face, without synthesising bold.

# unicode-range of each subset. The ranges are pairwise disjoint, so a
# character never makes the browser fetch two files.
R_LATIN="U+0000-00FF, U+0131, U+0152-0153, U+02BB-02BC, U+02C6, U+02DA, U+02DC, U+2000-206F, U+2074, U+20AC, U+2122, U+2191, U+2193, U+2212, U+2215, U+FEFF, U+FFFD"
# latin-ext: Turkish, Polish, Czech, Romanian, Croatian, Hungarian, ... plus
# combining marks and the capital sharp s; no Vietnamese (U+1E00-1EFF would
# add 18 KB to every latin-ext fetch), which falls back to a system font.
# latin-ext: Latin Extended-A (Polish, Turkish, Czech, Hungarian, Baltic ...)
# and Romanian's comma letters; without Extended-B and combining marks, which
# would double the file (27 instead of 12 KB) for letters our languages do
# not use. Those fall back to a system font.
R_LATIN_EXT="U+0100-017F, U+0218-021B, U+1E9E"
# Cyrillic: the letters of Russian and Ukrainian (incl. Ґ ґ) and №; without
# the historic and minority-language blocks (19 instead of 11.5 KB).
R_CYRILLIC="U+0400-045F, U+0490-0491, U+2116"
# Arabic: the letters, marks, digits and punctuation of Modern Standard Arabic
# (the language of our Arabic pages). The whole block with Persian/Urdu letters
# and presentation forms would be 36 instead of 23 KB per weight; characters
# outside this range fall back to a system font.
R_ARABIC="U+060C, U+061B, U+061F, U+0621-0655, U+0660-066D, U+0670"
# The Arabic files also carry ZWNJ/ZWJ/LRM/RLM (U+200C-200F) for joining
# control, but fonts.css does not list them: they belong to the latin range,
# so a page with an LRM and no Arabic never fetches the Arabic file.
R_ARABIC_GLYPHS="$R_ARABIC, U+200C-200F, U+25CC"

subset() { # subset <src> <out> <unicodes> [extra pyftsubset args...]
  local src="$1" out="$2" uni="$3"
  shift 3
  "${PYFTSUBSET[@]}" "$src" --unicodes="${uni// /}" --flavor=woff2 \
    --output-file="$out" "$@" 2> >(grep -v 'fsSelection bits 7, 8 and 9' >&2)
}

log "subsetting fonts"
rm -rf "$FONTS_OUT"
mkdir -p "$FONTS_OUT"
for w in 400:Regular 600:SemiBold; do
  weight="${w%%:*}" style="${w#*:}"
  src="$FIRA_DIR/FiraSans-$style.woff2"
  [ -f "$src" ] || die "missing $src"
  subset "$src" "$FONTS_OUT/fira-sans-$weight-latin.woff2" "$R_LATIN"
  subset "$src" "$FONTS_OUT/fira-sans-$weight-latin-ext.woff2" "$R_LATIN_EXT"
  subset "$src" "$FONTS_OUT/fira-sans-$weight-cyrillic.woff2" "$R_CYRILLIC"
done
# The layout features Arabic shaping needs (joining forms init/medi/fina/isol,
# required ligatures such as lam-alef, cursive attachment, mark positioning
# for harakat) and kerning; not the stylistic sets, which more than doubled
# the file (23 instead of 11 KB per weight). No hinting for Arabic
# (ttfautohint data is 30 % of the file); the Fira Sans files keep theirs.
AR_FEATURES="ccmp,locl,isol,init,medi,fina,rlig,liga,calt,curs,kern,mark,mkmk"
subset "$NOTO_AR_REGULAR" "$FONTS_OUT/noto-sans-arabic-400.woff2" "$R_ARABIC_GLYPHS" --layout-features="$AR_FEATURES" --no-hinting
subset "$NOTO_AR_BOLD" "$FONTS_OUT/noto-sans-arabic-700.woff2" "$R_ARABIC_GLYPHS" --layout-features="$AR_FEATURES" --no-hinting

font_meta() { # font_meta <file> <nameID>
  "$PY" - "$1" "$2" <<'PY'
import sys
from fontTools.ttLib import TTFont
print(TTFont(sys.argv[1])["name"].getDebugName(int(sys.argv[2])))
PY
}

# SIL OFL 1.1 text: the License: OFL-1.1 stanza of Debian's fonts-noto-core
# copyright file (Debian wraps the lines; the wording is the licence's).
ofl_text() {
  # the stand-alone "License: OFL-1.1" paragraph (after a blank line), not
  # the License: field inside a Files: paragraph
  awk '
    /^License: OFL-1.1$/ && prev == "" && !done { on = 1; next }
    on && !/^ / { on = 0; done = 1 }
    on { sub(/^ /, ""); if ($0 == ".") $0 = ""; print }
    { prev = $0 }
  ' "$NOTO_COPYRIGHT"
}
[ -f "$NOTO_COPYRIGHT" ] || die "missing $NOTO_COPYRIGHT (fonts-noto-core)"
[ "$(ofl_text | grep -c 'PERMISSION & CONDITIONS')" = 1 ] || die "OFL text not found in $NOTO_COPYRIGHT"

FIRA_COPYRIGHT="$(font_meta "$FIRA_DIR/FiraSans-Regular.woff2" 0)"
FIRA_VERSION="$(font_meta "$FIRA_DIR/FiraSans-Regular.woff2" 5)"
NOTO_AR_COPYRIGHT="$(font_meta "$NOTO_AR_REGULAR" 0)"
NOTO_AR_VERSION="$(font_meta "$NOTO_AR_REGULAR" 5 | cut -d';' -f1)"
NOTO_DEB_VERSION="$(dpkg-query -W -f='${Version}' fonts-noto-core 2>/dev/null || echo unknown)"

{
  printf '%s\n\n' "$FIRA_COPYRIGHT"
  printf 'Fira Sans %s, from the npm package @kern-ux/native %s (dist/fonts/fira-sans),\n' "${FIRA_VERSION#Version }" "$KERN_VERSION"
  printf 'subset and converted to WOFF2 by scripts/build-assets.sh (a Modified Version\n'
  printf 'in the sense of the licence below). The Font Software declares no Reserved Font Name.\n\n'
  printf 'This Font Software is licensed under the SIL Open Font License, Version 1.1.\n'
  printf 'This license is copied below, and is also available with a FAQ at:\n'
  printf 'https://openfontlicense.org\n\n'
  printf -- '-----------------------------------------------------------\n'
  printf 'SIL OPEN FONT LICENSE Version 1.1 - 26 February 2007\n'
  printf -- '-----------------------------------------------------------\n\n'
  ofl_text
} >"$FONTS_OUT/OFL-FiraSans.txt"

{
  printf '%s\n\n' "$NOTO_AR_COPYRIGHT"
  printf 'Noto Sans Arabic %s, from Debian package fonts-noto-core %s\n' "${NOTO_AR_VERSION#Version }" "$NOTO_DEB_VERSION"
  printf '(NotoSansArabic-Regular.ttf, NotoSansArabic-Bold.ttf), subset and converted to\n'
  printf 'WOFF2 by scripts/build-assets.sh (a Modified Version in the sense of the licence\n'
  printf 'below). The Font Software declares no Reserved Font Name.\n\n'
  printf 'This Font Software is licensed under the SIL Open Font License, Version 1.1.\n'
  printf 'This license is copied below, and is also available with a FAQ at:\n'
  printf 'https://openfontlicense.org\n\n'
  printf -- '-----------------------------------------------------------\n'
  printf 'SIL OPEN FONT LICENSE Version 1.1 - 26 February 2007\n'
  printf -- '-----------------------------------------------------------\n\n'
  ofl_text
} >"$FONTS_OUT/OFL-NotoSansArabic.txt"

# ------------------------------------------------------------ fonts.css ----

face() { # face <file> <weight> <unicode-range>
  cat <<EOF
@font-face {
  font-family: "Fira Sans";
  font-style: normal;
  font-weight: $2;
  font-display: swap;
  src: url("../vendor/fonts/$1") format("woff2");
  unicode-range: $3;
}
EOF
}

log "writing internal/web/static/css/fonts.css"
{
  cat <<EOF
/* Generated by scripts/build-assets.sh - do not edit, re-run the script.
 *
 * One family, "Fira Sans" (the name KERN-UX's CSS uses), in two weights:
 * 400 (regular) and 600 (semibold: headings, titles, buttons, labels).
 * Each weight is split by script; browsers fetch a file only when the page
 * has a character in its unicode-range, so a German page loads just the two
 * latin files. Fira Sans has no Arabic: the Arabic faces of the same family
 * are Noto Sans Arabic (Bold stands in for 600), fetched only for Arabic text.
 *
 * Fira Sans ${FIRA_VERSION#Version }: SIL OFL 1.1, see ../vendor/fonts/OFL-FiraSans.txt
 * Noto Sans Arabic ${NOTO_AR_VERSION#Version }: SIL OFL 1.1, see ../vendor/fonts/OFL-NotoSansArabic.txt
 */
EOF
  for weight in 400 600; do
    face "fira-sans-$weight-latin.woff2" "$weight" "$R_LATIN"
    face "fira-sans-$weight-latin-ext.woff2" "$weight" "$R_LATIN_EXT"
    face "fira-sans-$weight-cyrillic.woff2" "$weight" "$R_CYRILLIC"
  done
  face "noto-sans-arabic-400.woff2" 400 "$R_ARABIC"
  face "noto-sans-arabic-700.woff2" 600 "$R_ARABIC"
} >"$STATIC/css/fonts.css"

# ------------------------------------------------------------ README.md ----

sha() { sha256sum "$1" | cut -c1-16; }
log "writing internal/web/static/vendor/README.md"
{
  cat <<EOF
# Vendored front-end assets

Generated by \`bash scripts/build-assets.sh\` - do not edit by hand; change the
script, \`scripts/assets/safelist.txt\` or the templates and re-run it. See
\`docs/assets.md\` for why and how.

| file | what | version | source | licence |
| --- | --- | --- | --- | --- |
| \`kern/kern.min.css\` | KERN-UX CSS (\`dist/kern.css\` + used \`dist/kern-utilities.css\` rules), purged to the classes in \`internal/web/templates\`, \`internal/**/*.go\`, \`internal/web/static/js\` and \`scripts/assets/safelist.txt\`, minified. All element rules, design tokens (custom properties), dark-mode and forced-colors blocks of kept rules kept. Icons are inline \`data:\` SVG masks. | $KERN_VERSION | npm \`@kern-ux/native@$KERN_VERSION\` | EUPL-1.2, \`kern/LICENSE.md\` |
| \`kern/LICENSE.md\` | licence text from the package | $KERN_VERSION | npm \`@kern-ux/native@$KERN_VERSION\` | - |
EOF
  for f in "$FONTS_OUT"/fira-sans-*.woff2; do
    n="$(basename "$f")"
    printf '| `fonts/%s` | Fira Sans %s, subset to the unicode-range in `css/fonts.css`, WOFF2 (sha256 %s...) | %s | npm `@kern-ux/native@%s` `dist/fonts/fira-sans` | SIL OFL 1.1, `fonts/OFL-FiraSans.txt` |\n' \
      "$n" "$(echo "$n" | cut -d- -f3 | sed 's/400/Regular/;s/600/SemiBold/')" "$(sha "$f")" "${FIRA_VERSION#Version }" "$KERN_VERSION"
  done
  for f in "$FONTS_OUT"/noto-sans-arabic-*.woff2; do
    n="$(basename "$f")"
    printf '| `fonts/%s` | Noto Sans Arabic %s, Arabic ranges, all OpenType layout features, WOFF2 (sha256 %s...) | %s | Debian `fonts-noto-core` %s | SIL OFL 1.1, `fonts/OFL-NotoSansArabic.txt` |\n' \
      "$n" "$(echo "$n" | grep -q 400 && echo Regular || echo Bold)" "$(sha "$f")" "${NOTO_AR_VERSION#Version }" "$NOTO_DEB_VERSION"
  done
  cat <<EOF
| \`fonts/OFL-FiraSans.txt\` | copyright notice + SIL OFL 1.1 for Fira Sans | - | - | - |
| \`fonts/OFL-NotoSansArabic.txt\` | copyright notice + SIL OFL 1.1 for Noto Sans Arabic | - | - | - |

Not served: \`internal/web/static.go\` skips \`*.md\`, \`*.txt\` and \`LICENSE\`
files when it embeds the static tree, so the licence texts stay in the
repository and in the source distribution.

Related, hand-written: \`css/rtl.css\` (right-to-left overrides for the kept
KERN components). Generated with them: \`css/fonts.css\`.
EOF
} >"$VENDOR/README.md"

# ---------------------------------------------------------------- sizes ----

log "sizes"
node "$ASSETS/sizes.cjs" "$ROOT" docs/assets.md
