#!/usr/bin/env bash
# The test command: for every CPython 3.10-3.13 found, build cfutures from a
# fresh sdist into a wheel, install it in a venv of that Python and run the
# whole suite (behavioural tests, both implementations, and CPython's own
# test_concurrent_futures with cfutures substituted).
#
#   bash scripts/test.sh [pytest args...]
#   PYTHONS="3.11 3.13" bash scripts/test.sh      # a subset of versions
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VERSIONS="${PYTHONS:-3.10 3.11 3.12 3.13}"
WORK="$ROOT/.venv/test"
DEPS=(cython setuptools wheel build pytest pytest-timeout pytest-benchmark)
mkdir -p "$WORK"

find_python() {  # prints the interpreter for version $1, or nothing
    local v="$1" p
    if command -v pyenv >/dev/null 2>&1; then
        p="$(pyenv prefix "$(pyenv versions --bare 2>/dev/null | grep -E "^${v//./\\.}(\.[0-9]+)?$" | sort -V | tail -n1)" 2>/dev/null || true)"
        if [ -n "$p" ] && [ -x "$p/bin/python$v" ]; then echo "$p/bin/python$v"; return; fi
    fi
    for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v"; do
        [ -x "$p" ] && { echo "$p"; return; }
    done
    command -v "python$v" 2>/dev/null || true
}

# One sdist for every version: the wheel each one tests is built from it alone.
BUILDER="$(find_python 3.13)"; [ -n "$BUILDER" ] || BUILDER="$(command -v python3)"
"$BUILDER" -m venv "$WORK/sdist" && "$WORK/sdist/bin/pip" install -q -U "${DEPS[@]}"
rm -rf "$WORK/dist"
"$WORK/sdist/bin/python" -m build --sdist --no-isolation --outdir "$WORK/dist" . >"$WORK/sdist.log" 2>&1 \
    || { cat "$WORK/sdist.log"; echo "FAILED: building the sdist"; exit 1; }
SDIST="$(ls "$WORK"/dist/cfutures-*.tar.gz)"
echo "== sdist: $SDIST"

# CPython's test_concurrent_futures for the conformance runs, fetched once into
# .cache/cpython-tests for each version whose stdlib ships none (never fails).
suites=(); for v in $VERSIONS; do suites+=("$v=$(find_python "$v")"); done
bash "$ROOT/scripts/fetch_cpython_tests.sh" "${suites[@]}"

tested=() ; failed=() ; missing=()
for v in $VERSIONS; do
    py="$(find_python "$v")"
    if [ -z "$py" ]; then
        echo "== Python $v: not installed here, skipped"
        missing+=("$v"); continue
    fi
    echo "== Python $v: $py"
    venv="$WORK/py$v"
    [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
    "$venv/bin/pip" install -q -U "${DEPS[@]}"
    rm -rf "$WORK/wheels-$v"
    "$venv/bin/pip" wheel -q --no-deps --no-build-isolation -w "$WORK/wheels-$v" "$SDIST" \
        || { echo "FAILED: building the wheel for $v"; failed+=("$v"); continue; }
    "$venv/bin/pip" install -q --force-reinstall --no-deps "$WORK"/wheels-"$v"/cfutures-*.whl
    # Run from the repo root; src/ is never on sys.path, so the installed wheel is tested.
    if "$venv/bin/python" -m pytest -p no:cacheprovider -q -ra "$@" tests; then
        tested+=("$v")
    else
        failed+=("$v")
    fi
done

echo "== tested: ${tested[*]:-none}; failed: ${failed[*]:-none}; not installed: ${missing[*]:-none}"
[ ${#failed[@]} -eq 0 ] || exit 1
[ ${#tested[@]} -gt 0 ] || { echo "FAILED: no Python version was tested"; exit 1; }
