#!/usr/bin/env bash
# Set up everything the tests need, type-check the package, then run the tests. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
.venv/bin/python -m mypy  # the type check: configuration in pyproject.toml
exec .venv/bin/python -m pytest "$@"
