#!/usr/bin/env bash
# Fetch CPython's test_concurrent_futures for the conformance runs
# (tests/conformance/run_cpython_suite.py), for each Python whose stdlib
# ships none, from Debian's libpythonX.Y-testsuite package.
#
#   bash scripts/fetch_cpython_tests.sh VERSION[=PYTHON]...
#
#   VERSION   X.Y, e.g. 3.11
#   =PYTHON   that version's interpreter: when its stdlib ships the suite,
#             nothing is fetched. VERSION= (empty PYTHON) means that
#             version is not installed here: nothing is done for it.
#
# The cache is the one the runner reads, ${CFUTURES_CPYTHON_TESTS_CACHE:-
# <repo>/.cache/cpython-tests}/X.Y: test/ holds the suite, SOURCE names the
# .deb it came from, and NOT_AVAILABLE, written when no copy can be had,
# says why (the runner's skip message quotes it). A cached copy is reused;
# `apt-get update` runs only when apt's package lists are empty.
#
# Prints one line per version: found in the stdlib, cached, fetched, or not
# available (why). Exits 0 whatever each version's outcome, so a version
# without a package never fails the test command (its conformance test
# skips); 2 on a malformed argument.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_ROOT="${CFUTURES_CPYTHON_TESTS_CACHE:-$ROOT/.cache/cpython-tests}"
WORK=""   # the current version's scratch folder, removed on exit
trap '[ -z "$WORK" ] || rm -rf "$WORK"' EXIT

say() { echo "== CPython $1 test suite: $2"; }

has_suite() {  # does folder $1 hold test_concurrent_futures (module or package)?
    [ -f "$1/test_concurrent_futures.py" ] || [ -f "$1/test_concurrent_futures/__init__.py" ]
}

stdlib_suite() {  # prints where interpreter $1's stdlib keeps the suite, or fails
    "$1" -I -c '
import importlib.util, sys
try:
    spec = importlib.util.find_spec("test.test_concurrent_futures")
except ImportError:
    spec = None
if spec is None:
    sys.exit(1)
print(spec.origin)' 2>/dev/null
}

apt_knows() { apt-cache show "$1" >/dev/null 2>&1; }

unavailable() {  # version, why: record the reason for the runner and say it
    mkdir -p "$CACHE_ROOT/$1" && echo "$2" >"$CACHE_ROOT/$1/NOT_AVAILABLE"
    say "$1" "not available ($2)"
}

fetch_debian_suite() {  # version: download, unpack and cache Debian's suite
    local v="$1" package="libpython$1-testsuite" lists log deb source staging
    if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
        unavailable "$v" "no apt-get/dpkg-deb here to fetch Debian's $package"; return
    fi
    # apt's own idea of where its lists are (APT_CONFIG may move them).
    lists="$(eval "$(apt-config shell lists Dir::State::lists/d)"; echo "${lists:-/var/lib/apt/lists/}")"
    if ! apt_knows "$package" && ! compgen -G "${lists%/}/*_Packages*" >/dev/null; then
        echo "== apt's package lists are empty: running apt-get update"
        if ! log="$(apt-get update 2>&1)"; then
            unavailable "$v" "apt-get update failed (root needed?): $(tail -n1 <<<"$log")"; return
        fi
    fi
    apt_knows "$package" || { unavailable "$v" "apt knows no package $package"; return; }

    WORK="$(mktemp -d "${TMPDIR:-/tmp}/cfutures-deb-XXXXXX")"
    if ! log="$(cd "$WORK" && apt-get download "$package" 2>&1)" \
            || ! deb="$(ls "$WORK"/*.deb 2>/dev/null | head -n1)" || [ -z "$deb" ]; then
        unavailable "$v" "apt-get download $package failed: $(tail -n1 <<<"$log")"; return
    fi
    if ! dpkg-deb -x "$deb" "$WORK/x"; then
        unavailable "$v" "dpkg-deb could not unpack $(basename "$deb")"; return
    fi
    source="$WORK/x/usr/lib/python$v/test"
    has_suite "$source" || { unavailable "$v" "$package holds no test_concurrent_futures"; return; }

    # Built aside and moved in whole, so the runner never sees half a copy.
    staging="$CACHE_ROOT/.$v.partial"
    rm -rf "$staging" && mkdir -p "$staging/test" || { unavailable "$v" "cannot write $CACHE_ROOT"; return; }
    for name in test_concurrent_futures.py test_concurrent_futures; do
        [ ! -e "$source/$name" ] || cp -a "$source/$name" "$staging/test/" \
            || { unavailable "$v" "cannot copy $name into $staging"; return; }
    done
    find "$staging/test" -name __pycache__ -prune -exec rm -rf {} +
    basename "$deb" >"$staging/SOURCE"
    if ! { rm -rf "${CACHE_ROOT:?}/$v" && mv "$staging" "$CACHE_ROOT/$v"; }; then
        unavailable "$v" "cannot move the copy into $CACHE_ROOT/$v"; return
    fi
    say "$v" "fetched $(basename "$deb") into $CACHE_ROOT/$v"
}

for arg in "$@"; do
    v="${arg%%=*}"
    if ! [[ "$v" =~ ^[0-9]+\.[0-9]+$ ]]; then
        echo "usage: $0 VERSION[=PYTHON]... (VERSION like 3.11; got '$arg')" >&2; exit 2
    fi
    if [[ "$arg" == *=* ]]; then
        python="${arg#*=}"
        if [ -z "$python" ]; then say "$v" "Python $v is not installed here: nothing to fetch"; continue; fi
        if where="$(stdlib_suite "$python")"; then
            say "$v" "found in the stdlib ($(dirname "$where"))"; continue
        fi
    fi
    cache="$CACHE_ROOT/$v"
    if has_suite "$cache/test"; then
        rm -f "$cache/NOT_AVAILABLE"
        say "$v" "cached in $cache (from $(cat "$cache/SOURCE" 2>/dev/null || echo unknown))"; continue
    fi
    fetch_debian_suite "$v"
    [ -z "$WORK" ] || { rm -rf "$WORK"; WORK=""; }
done
exit 0
