#!/usr/bin/env bash
# Idempotent project setup: npm packages from the lockfile, Debian packages when missing (as root),
# then each scripts/setup.d/*.sh step in name order. Safe to run on every command.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Debian packages: Jupyter for the kernel and headless reports; sympy/mpmath for the interpreter.
APT_PACKAGES=(jupyter-nbconvert python3-nbconvert python3-nbclient jupyter-client jupyter-notebook python3-sympy python3-mpmath python3-ipython)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "missing Debian packages: ${missing[*]}"
    log "install them with: sudo apt-get install --no-install-recommends ${missing[*]}"
    exit 1
  fi
fi

for step in scripts/setup.d/*.sh; do
  [ -e "$step" ] || continue
  bash "$step"
done
