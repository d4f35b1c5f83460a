#!/usr/bin/env bash
# Benchmark cfutures against concurrent.futures on a fresh machine.
#
#   benchmarks/run.sh [compare.py options]     e.g. --quick, --markdown, --json out.json
#   PYTHON=python3.13 benchmarks/run.sh
#
# Makes a virtual environment for $PYTHON (default: python3 on PATH) under
# the repository (.venv/bench/<python>, or $CFUTURES_BENCH_VENV), installs the
# build and benchmark tools and this checkout of cfutures into it, then runs
# benchmarks/compare.py with the arguments given. It also tries the optional
# extras: the process pools the workloads compare with (loky, pebble, mpire),
# matplotlib for --plot and cloudpickle for the pickler row; one that does
# not install is noted and left out (the table then says "loky not
# installed"). On a rerun nothing is
# installed again unless a package list or cfutures' sources have changed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
PYTHON="${PYTHON:-python3}"
TOOLS=("setuptools>=64" "wheel" "cython>=3.0" "pytest>=7" "pytest-benchmark>=4" "pytest-timeout>=2")
EXTRAS=("loky" "pebble" "mpire" "matplotlib" "cloudpickle")

say() { echo "run.sh: $*" >&2; }

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    say "no Python at '$PYTHON' (set PYTHON=/path/to/python)"
    exit 2
fi
TAG="$("$PYTHON" -c 'import sys; print("%s-%d.%d" % ((sys.implementation.name,) + sys.version_info[:2]))')"
VENV="${CFUTURES_BENCH_VENV:-$ROOT/.venv/bench/$TAG}"
VPY="$VENV/bin/python"

if [ ! -x "$VPY" ]; then
    say "creating $VENV with $PYTHON"
    mkdir -p "$(dirname "$VENV")"
    if ! "$PYTHON" -m venv "$VENV"; then
        say "'$PYTHON -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)"
        rm -rf "$VENV"
        exit 2
    fi
fi

# The tools, once per tool list.
TOOLS_STAMP="$VENV/.cfutures-bench-tools"
if [ "$(cat "$TOOLS_STAMP" 2>/dev/null || true)" != "${TOOLS[*]}" ]; then
    say "installing ${TOOLS[*]}"
    "$VPY" -m pip install --quiet --upgrade "${TOOLS[@]}"
    printf '%s' "${TOOLS[*]}" >"$TOOLS_STAMP"
fi

# The optional extras, once per list: all at once, else one by one, noting
# those that would not install (remove the stamp to try them again).
EXTRAS_STAMP="$VENV/.cfutures-bench-extras"
if [ "$(cat "$EXTRAS_STAMP" 2>/dev/null || true)" != "${EXTRAS[*]}" ]; then
    say "installing the optional ${EXTRAS[*]}"
    if ! "$VPY" -m pip install --quiet --prefer-binary "${EXTRAS[@]}" 2>/dev/null; then
        failed=()
        for extra in "${EXTRAS[@]}"; do
            "$VPY" -m pip install --quiet --prefer-binary "$extra" 2>/dev/null \
                || failed+=("$extra")
        done
        if [ "${#failed[@]}" -gt 0 ]; then
            say "note: could not install ${failed[*]}; running without" \
                "(rm $EXTRAS_STAMP to try again)"
        fi
    fi
    printf '%s' "${EXTRAS[*]}" >"$EXTRAS_STAMP"
fi

# cfutures, again whenever its sources change (the core is under development).
SOURCE_STAMP="$VENV/.cfutures-bench-source"
source_hash() {
    "$VPY" - "$ROOT" <<'EOF'
import hashlib, os, sys
root = sys.argv[1]
digest = hashlib.sha256()
paths = [os.path.join(root, name) for name in
         ("setup.py", "pyproject.toml", "MANIFEST.in", "README.md")]
for top in ("src", "csrc"):
    for folder, subfolders, files in os.walk(os.path.join(root, top)):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__"
                               and not d.endswith(".egg-info"))
        paths.extend(os.path.join(folder, f) for f in sorted(files)
                     if f.endswith((".py", ".pyx", ".pxd", ".pxi", ".h")))
for path in paths:
    if os.path.isfile(path):
        digest.update(os.path.relpath(path, root).encode() + b"\0")
        with open(path, "rb") as source:
            digest.update(source.read() + b"\0")
print(digest.hexdigest())
EOF
}
WANT="$(source_hash)"
if [ "$(cat "$SOURCE_STAMP" 2>/dev/null || true)" != "$WANT" ] \
        || ! (cd "$HERE" && "$VPY" -c 'import cfutures' 2>/dev/null); then
    say "building and installing cfutures from $ROOT"
    rm -f "$SOURCE_STAMP"
    "$VPY" -m pip install --quiet --no-build-isolation --no-deps --force-reinstall "$ROOT"
    printf '%s' "$WANT" >"$SOURCE_STAMP"
fi

cd "$ROOT"
exec "$VPY" "$HERE/compare.py" "$@"
