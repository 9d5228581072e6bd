#!/usr/bin/env bash
# Set up everything the tests need, lint, format-check and type-check the package, then run the tests on every core.
# Usage: scripts/test.sh [--fast] [pytest arguments]
#   --fast  the inner loop: unit, golden and property tests (no slow, browser or end-to-end tests)
set -euo pipefail
cd "$(dirname "$0")/.."
fast=0
if [ "${1:-}" = "--fast" ]; then fast=1; shift; fi
# Set-up is idempotent but costs seconds (pip checks every package): it reruns only when the .venv is missing or
# what it installs from has changed since the last set-up.
stamp=.venv/.setup-test-done
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ scripts/setup.sh -nt "$stamp" ]; then
  scripts/setup.sh --test
  touch "$stamp"
fi
.venv/bin/python -m ruff check .
.venv/bin/python -m ruff format --check .
# The type check runs beside the tests (one core for a quarter of a minute, hidden in the tests' time); its report
# is printed after theirs, and either one failing fails the run.
mypy_log=$(mktemp)
trap 'rm -f "$mypy_log"' EXIT
.venv/bin/python -m mypy >"$mypy_log" 2>&1 &  # configuration in pyproject.toml
mypy_pid=$!
markers=()
[ "$fast" = 1 ] && markers=(-m "not slow and not browser and not e2e")
tests=0
.venv/bin/python -m pytest -n auto --dist loadgroup "${markers[@]}" "$@" || tests=$?
types=0
wait "$mypy_pid" || types=$?
echo "mypy: $(tail -n 1 "$mypy_log")"
[ "$types" = 0 ] || cat "$mypy_log"
[ "$tests" = 0 ] || exit "$tests"
exit "$types"
