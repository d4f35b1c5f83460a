#!/usr/bin/env bash
# The sanitizer run: cfutures' core built with AddressSanitizer and
# UndefinedBehaviorSanitizer (CFUTURES_SANITIZE, read by setup.py), the
# whole suite run under them, then the stress test's short form run under
# LeakSanitizer. The test command (scripts/test.sh) runs it on one version
# (3.14, in the sid chroot); by hand:
#
#   bash scripts/sanitize.sh PYTHON SDIST [pytest args...]
#
# PYTHON is an interpreter (3.10+), SDIST a cfutures sdist (test.sh builds
# one). The interpreter is not instrumented, so ASan's runtime is preloaded
# and PYTHONMALLOC=malloc routes every Python allocation through it. Any
# ASan or UBSan finding aborts its process (a worker's ends the pool, a test
# fails; the parent's fails the run). CPython itself does not free
# everything at exit, so the leak check reports only leaks with a frame of
# cfutures' compiled code in their allocation stack. Exit status: 0 clean,
# 1 a finding or a failed test, 3 no sanitizer runtime here (nothing run).
#
# Known limit: GCC 12's ASan allocator (this host's) is not fork-safe. A
# worker forked while another thread of the parent is inside malloc or free
# can block forever on the allocator's lock, so fork-started pools may hang
# under a GCC 12 build only (glibc's malloc takes its locks around fork;
# plain builds do not hang). GCC 16's (Debian sid's, the chroot of
# scripts/sid_pythons.sh) locks its allocator around fork: the test command
# runs this there. With GCC 12, leave such tests out with -k "not fork".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
PY="$1"; SDIST="$2"; shift 2
VERSION="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
WORK="$ROOT/.venv/test/sanitize-py$VERSION"
DEPS=(cython setuptools wheel pytest pytest-timeout pytest-benchmark mypy hypothesis cloudpickle tqdm)
CLIENTS=(tqdm "dask[bag]" s3transfer botocore)
SANITIZERS=address,undefined

CC_NAME="${CC:-gcc}"
ASAN_RUNTIME="$("$CC_NAME" -print-file-name=libasan.so 2>/dev/null || true)"
if [ -z "$ASAN_RUNTIME" ] || [ ! -e "$ASAN_RUNTIME" ]; then
    echo "sanitize: unavailable: $CC_NAME has no libasan.so"; exit 3
fi

echo "== sanitizer run, Python $VERSION: building the core with -fsanitize=$SANITIZERS"
mkdir -p "$WORK"
[ -x "$WORK/venv/bin/python" ] || "$PY" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
# CFUTURES_PIP_FIND_LINKS: folders of wheels to install from instead of the
# registry (the sid chroot's wheelhouse, where pip cannot reach PyPI itself).
PIP_SOURCE=()
for links in ${CFUTURES_PIP_FIND_LINKS:-}; do PIP_SOURCE+=(--no-index --find-links "$links"); done
"$VPY" -m pip install -q -U "${PIP_SOURCE[@]}" "${DEPS[@]}"
# The client tests' packages, unless they are to skip (CFUTURES_SKIP_CLIENTS).
[ -n "${CFUTURES_SKIP_CLIENTS:-}" ] \
    || "$VPY" -m pip install -q -U "${PIP_SOURCE[@]}" "${CLIENTS[@]}" >"$WORK/clients.log" 2>&1 \
    || echo "== sanitizer run: could not install ${CLIENTS[*]} (see $WORK/clients.log)"
rm -rf "$WORK/wheel"
CFUTURES_SANITIZE="$SANITIZERS" "$VPY" -m pip wheel -q --no-deps --no-build-isolation --no-index \
    --no-cache-dir -w "$WORK/wheel" "$SDIST" >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log"; echo "FAILED: building the sanitized wheel"; exit 1; }
"$VPY" -m pip install -q --force-reinstall --no-deps "$WORK"/wheel/cfutures-*.whl

export LD_PRELOAD="$ASAN_RUNTIME" PYTHONMALLOC=malloc
# The preloaded runtime sees every child this suite starts too (compilers,
# pip, git): only the Python processes matter, and a leak check at their
# exit would drown the report, so leaks are off but in the run below.
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# allocator_may_return_null: an allocation too large fails as glibc's does
# (the suite checks that an absurd frame header gives MemoryError).
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=0:allocator_may_return_null=1"
"$VPY" - <<'EOF' || { echo "FAILED: the sanitized core is not what got installed"; exit 1; }
import glob, os, cfutures, cfutures._implementation as chosen
assert cfutures.EXTENSIONS, chosen.FALLBACK_REASON
core = os.path.join(os.path.dirname(cfutures.__file__), "_core")
libs = glob.glob(os.path.join(core, "**", "*.so"), recursive=True)
assert libs and all(b"__asan_init" in open(p, "rb").read() for p in libs), libs
EOF
echo "== sanitizer run, Python $VERSION: the whole suite under ASan + UBSan"
"$VPY" -m pytest -p no:cacheprovider -q -ra "$@" tests \
    || { echo "FAILED: the suite under ASan + UBSan (Python $VERSION)"; exit 1; }

echo "== sanitizer run, Python $VERSION: the stress test's short form under LeakSanitizer"
rm -f "$WORK"/lsan.*
# handle_segv=0: the stress test's workers crash on purpose (a segfault
# through ctypes); they die of SIGSEGV as in a plain run, instead of
# leaving ASan reports that would read as findings.
ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=1:allocator_may_return_null=1:handle_segv=0:log_path=$WORK/lsan:exitcode=0" \
    "$VPY" -m pytest -p no:cacheprovider -q -ra tests/test_stress.py \
    || { echo "FAILED: the stress test under LeakSanitizer (Python $VERSION)"; exit 1; }
# A clean run writes no log at all: first prove that leaks are caught here
# (a block malloc'd through ctypes and dropped must be reported).
rm -f "$WORK"/probe.*
ASAN_OPTIONS="detect_leaks=1:log_path=$WORK/probe:exitcode=0" \
    "$VPY" -c "import ctypes; ctypes.CDLL(None).malloc(12345)"
grep -qs "Direct leak of 12345 byte" "$WORK"/probe.* \
    || { echo "FAILED: LeakSanitizer does not report leaks here (its probe found none)"; exit 1; }
shopt -s nullglob
reports=("$WORK"/lsan.*)
shopt -u nullglob
"$VPY" "$ROOT/scripts/lsan_report.py" "${reports[@]}" \
    || { echo "FAILED: LeakSanitizer found leaks in cfutures' core (Python $VERSION)"; exit 1; }
echo "== sanitizer run, Python $VERSION: clean"
