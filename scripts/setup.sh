#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: Debian packages, the virtual environment, the package
# itself (editable, with the manim and dev extras), the test oracle (torch) and reveal.js.
# Every step is skipped when what it installs is already there, so `make demo` / `make test`
# cost nothing extra on a machine that is already set up.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
VENV=.venv
APT_PACKAGES=(libcairo2-dev libpango1.0-dev pkg-config texlive-latex-extra texlive-fonts-recommended
              dvisvgm chromium fonts-dejavu-core)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages; run: sudo apt-get install ${missing[*]}" >&2
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi

# Reinstall only when the project's metadata changed since the last install.
stamp="$VENV/.convanim-installed"
want=$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing convanim (editable) with the manim and dev extras, and torch 2.13.0 (test oracle)"
  "$VENV/bin/pip" install -q torch==2.13.0
  "$VENV/bin/pip" install -q -e '.[manim,dev]'
  echo "$want" > "$stamp"
fi

# reveal.js (and playwright-core for the browser test) from the npm registry, no CDN.
# Also when package-lock.json changed since the last install (npm rewrites node_modules/.package-lock.json).
if command -v npm >/dev/null && [ -f package.json ] && { [ ! -d node_modules/reveal.js ] ||
     [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  echo "setup: npm install (reveal.js, playwright-core)"
  npm install --silent --no-audit --no-fund >/dev/null
fi
