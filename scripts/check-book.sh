#!/usr/bin/env bash
# Checks the book as a reader sees it: builds it, opens every page in headless Chromium in a
# light and a dark theme, and fails on raw TeX left unrendered, a MathJax error, a broken
# image, a code block wider than the column, a link to a page or heading that does not exist,
# a `{{#...}}` directive left as text, or a JavaScript error.
#
#   bash scripts/check-book.sh
#
# Needs Debian's `chromium` and Node.js with npm. Where they are missing and this runs as
# root with apt-get (as CI does), it installs them (`apt-get install chromium nodejs npm`);
# otherwise it prints a line starting with `skipped:` and exits 0, so a machine without a
# browser can still run everything else. The Node side is playwright-core, pinned in
# scripts/check-book/package-lock.json and installed with `npm ci`; it drives the system's
# Chromium over the DevTools protocol and downloads no browser.
#
# It writes a small screenshot (JPEG) of the top of every page in each theme to
# book/screenshots/, which is committed so that a change to the book can be reviewed by
# looking at it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

chromium_bin="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
missing=()
[ -n "$chromium_bin" ] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing ${missing[*]} with apt-get (Debian packages; a minute or two)"
        if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
            echo "skipped: the book was not checked in a browser: apt-get could not install ${missing[*]}"
            exit 0
        fi
        chromium_bin="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
    else
        echo "skipped: the book was not checked in a browser: ${missing[*]} not installed" \
            "(apt-get install chromium nodejs npm, as root)"
        exit 0
    fi
fi

bash scripts/build-book.sh

if [ ! -d scripts/check-book/node_modules/playwright-core ]; then
    echo "== installing playwright-core (npm ci in scripts/check-book; no browser download)"
    (cd scripts/check-book && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== opening every page in $("$chromium_bin" --version 2>/dev/null | head -1 || echo chromium)"
CHROMIUM="$chromium_bin" node scripts/check-book/check.mjs book/book book/screenshots
