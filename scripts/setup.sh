#!/usr/bin/env bash
# Idempotent set-up: Debian packages (graphviz; chromium for the browser tests), a .venv with the CPU build of
# torch and effnet-inspect itself. Usage: scripts/setup.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."

with_tests=0
[ "${1:-}" = "--test" ] && with_tests=1

packages=()
command -v dot >/dev/null 2>&1 || packages+=(graphviz)
if [ "$with_tests" = 1 ] && ! command -v chromium >/dev/null 2>&1; then packages+=(chromium); fi
fc-list 2>/dev/null | grep -qi dejavu || packages+=(fonts-dejavu-core)
if [ "${#packages[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing Debian packages: ${packages[*]}" >&2
  $sudo apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
# pip byte-compiles what it installs one file at a time, torch's thousands included, which takes longer than the
# install itself. Here torch compiles on every core while pip fetches the rest, and the rest compiles at the end.
# The compiled files matter: where PYTHONDONTWRITEBYTECODE is set, every process would compile torch again.
pip=(.venv/bin/pip install -q --no-compile)
site=$(.venv/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
compiling=""
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  "${pip[@]}" torch==2.13.0  # the pinned CPU build: an unpinned torch would pull a multi-GB CUDA build
  .venv/bin/python -m compileall -q -j 0 "$site/torch" >/dev/null &
  compiling=$!
fi
if [ "$with_tests" = 1 ]; then
  "${pip[@]}" -e ".[test]"
else
  "${pip[@]}" -e .
fi
[ -z "$compiling" ] || wait "$compiling" || true  # a file that does not compile is skipped, as pip skips it
.venv/bin/python -m compileall -q -j 0 "$site" >/dev/null || true  # up to date files are only looked at
