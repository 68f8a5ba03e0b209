#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: Chromium and fonts
# for the browser tests, axe-core from the lock file, staticcheck, and a
# running PostgreSQL. Safe to run again; each step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
# Noto covers Latin, Cyrillic and Arabic so screenshots show real glyphs.
[ -d /usr/share/fonts/truetype/noto ] || need_apt+=(fonts-noto-core)
command -v node >/dev/null || need_apt+=(nodejs npm)
# xmlsec1 checks our SAML signatures and encryption independently of the Go libraries.
command -v xmlsec1 >/dev/null || need_apt+=(xmlsec1)
# clamd scans uploads (tests start their own with an EICAR-only database);
# pdftotext/pdffonts read the PDFs the platform renders.
command -v clamd >/dev/null || [ -x /usr/sbin/clamd ] || need_apt+=(clamav-daemon)
command -v pdftotext >/dev/null || need_apt+=(poppler-utils)
# xmllint validates the application files we generate against our XSD (internal/xsozial).
command -v xmllint >/dev/null || need_apt+=(libxml2-utils)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "ci-setup: apt-get install ${need_apt[*]}"
  as_root apt-get update -qq
  # Installing clamav-daemon must not start freshclam or clamd as services:
  # there is no network for signatures, and tests run their own clamd.
  printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
  as_root chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  as_root rm -f /usr/sbin/policy-rc.d
fi

# axe-core, pinned by tools/browser/package-lock.json.
if [ ! -f tools/browser/node_modules/axe-core/axe.min.js ]; then
  npm ci --prefix tools/browser --no-audit --no-fund --silent
fi

# jose and ajv, the independent decrypter and schema validator for what the
# FIT-Connect client sends, pinned by tools/fitconnect-check/package-lock.json.
if [ ! -d tools/fitconnect-check/node_modules/jose ]; then
  npm ci --prefix tools/fitconnect-check --no-audit --no-fund --silent
fi

# staticcheck, pinned to the version the Makefile names.
sc_version=$(sed -n 's/^STATICCHECK_VERSION := //p' Makefile)
if ! command -v staticcheck >/dev/null && [ ! -x "$(go env GOPATH)/bin/staticcheck" ]; then
  go install "honnef.co/go/tools/cmd/staticcheck@${sc_version}"
fi

# PostgreSQL at 127.0.0.1:5432 (database test, trust auth) as CI provides it.
if ! (echo > /dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  if [ -d /etc/postgresql ]; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
  fi
fi
echo "ci-setup: ready"
