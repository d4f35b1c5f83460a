#!/usr/bin/env bash
# The test command: for every CPython 3.10-3.15, build cfutures from a
# fresh sdist into a wheel, install it in a venv of that Python and run the
# whole suite (behavioural tests, both implementations, and CPython's own
# test_concurrent_futures with cfutures substituted); then one version again
# with the core built with ASan + UBSan (the sanitizer run, below).
#
#   bash scripts/test.sh [pytest args...]
#   PYTHONS="3.11 3.13" bash scripts/test.sh      # a subset of versions
#   PYTHONS="3.14 3.15" bash scripts/test.sh      # the current Pythons
#   CFUTURES_SANITIZE_PYTHON=none bash scripts/test.sh   # no sanitizer run
#
# A version found here (pyenv, or pythonX.Y on PATH) is used directly. One of
# $CFUTURES_SID_VERSIONS (default 3.14 3.15) that is not found here runs in
# Debian sid's pythonX.Y, in the chroot that scripts/sid_pythons.sh
# provisions outside the clone (minutes, the first time; reused after): the
# wheel is built from the same sdist in a venv inside, with the wheels of the
# chroot's wheelhouse, and the same pytest command runs there in this
# project's root, bind-mounted at its own path. CFUTURES_NO_SID=1 skips those
# versions instead. Both kinds go through one flow (version_test, below).
# A version that cannot be had is skipped, and the closing
# line says why; a failure inside the chroot fails the test command.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"   # physical: the path bind-mounted into the sid chroot
cd "$ROOT"
VERSIONS="${PYTHONS:-3.10 3.11 3.12 3.13 3.14 3.15}"
SID_VERSIONS=" ${CFUTURES_SID_VERSIONS:-3.14 3.15} "
SID="$ROOT/scripts/sid_pythons.sh"
SID_WHEELHOUSE=/opt/cfutures-wheelhouse   # inside the chroot, as sid_pythons.sh makes it
WORK="$ROOT/.venv/test"
DEPS=(cython setuptools wheel build pytest pytest-timeout pytest-benchmark mypy hypothesis cloudpickle tqdm)
# Third-party clients that tests/test_clients.py runs with cfutures installed;
# installed where they can be (their tests skip, saying so, where not).
CLIENTS=(tqdm "dask[bag]" s3transfer botocore)
# cfutures.distributed's engine, installed beside them in a step of its own (a
# version whose wheels are missing loses only this); where it installs, its
# tests must run (CFUTURES_REQUIRE_DASK=1 makes a skip a failure).
DASK=(distributed)
# The versions that run them (about 75 s each): every one, but in CI
# (CI=true) the oldest and the newest of VERSIONS, to keep CI near 30 min;
# CFUTURES_CLIENT_PYTHONS chooses. The others' client tests skip, saying so.
if [ -n "${CFUTURES_CLIENT_PYTHONS:-}" ]; then
    CLIENT_VERSIONS=" $CFUTURES_CLIENT_PYTHONS "
elif [ "${CI:-}" = true ]; then
    CLIENT_VERSIONS=" $(printf '%s\n' $VERSIONS | sort -V | head -n1) $(printf '%s\n' $VERSIONS | sort -V | tail -n1) "
else
    CLIENT_VERSIONS=" $VERSIONS "
fi
runs_clients() { [[ "$CLIENT_VERSIONS" == *" $1 "* ]]; }
clients_skip_reason() {  # version: empty where it runs them
    runs_clients "$1" || echo "the client tests run on${CLIENT_VERSIONS% } only here (CFUTURES_CLIENT_PYTHONS; CI runs the oldest and newest)"
}
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

in_sid_chroot() {  # would version $1, not found here, run in the sid chroot?
    [[ "$SID_VERSIONS" == *" $1 "* ]] && [[ "${CFUTURES_NO_SID:-}" =~ ^0?$ ]]
}

# The compilers tests/test_portable_c.py builds the C helper with (Clang, and
# MinGW-w64 for Windows), from Debian's packages where this machine has
# apt-get and we are root; without them those cases skip, saying so.
if ! command -v clang >/dev/null 2>&1 || ! command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "== installing clang and gcc-mingw-w64-x86-64 (apt-get) for the C portability tests"
        { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
              clang gcc-mingw-w64-x86-64; } >"$WORK/apt.log" 2>&1 \
            || echo "== could not install them (see $WORK/apt.log): their tests will skip"
    fi
fi

# One sdist for every version: the wheel each one tests is built from it alone.
BUILDER="$(find_python 3.13)"; [ -n "$BUILDER" ] || BUILDER="$(command -v python3)"
"$BUILDER" -m venv "$WORK/sdist" && "$WORK/sdist/bin/pip" install -q -U "${DEPS[@]}"
rm -rf "$WORK/dist"
"$WORK/sdist/bin/python" -m build --sdist --no-isolation --outdir "$WORK/dist" . >"$WORK/sdist.log" 2>&1 \
    || { cat "$WORK/sdist.log"; echo "FAILED: building the sdist"; exit 1; }
SDIST="$(ls "$WORK"/dist/cfutures-*.tar.gz)"
echo "== sdist: $SDIST"

# s3transfer's own tests, which tests/test_clients.py runs: its sdist, once,
# into .cache/clients (the wheel ships no tests). Never fails.
S3TRANSFER_VERSION='import s3transfer; print(s3transfer.__version__)'
fetch_client_tests() {  # the s3transfer version installed (nothing: none)
    local version="$1" dir="$ROOT/.cache/clients"
    [ -n "$version" ] || return 0
    [ -d "$dir/s3transfer-$version/tests" ] && return 0
    mkdir -p "$dir"
    { "$WORK/sdist/bin/python" -m pip download -q --no-deps --no-binary :all: -d "$dir" "s3transfer==$version" \
        && tar -xzf "$dir/s3transfer-$version.tar.gz" -C "$dir"; } >"$WORK/clients-fetch.log" 2>&1 \
        || echo "== could not fetch s3transfer $version's tests (see $WORK/clients-fetch.log)"
}

# CPython's test_concurrent_futures for the conformance runs, fetched once into
# .cache/cpython-tests for each version whose stdlib ships none (never fails).
# (A version run in the sid chroot has it in its stdlib: checked in there.)
suites=()
for v in $VERSIONS; do
    py="$(find_python "$v")"
    [ -z "$py" ] && in_sid_chroot "$v" || suites+=("$v=$py")
done
[ ${#suites[@]} -eq 0 ] || bash "$ROOT/scripts/fetch_cpython_tests.sh" "${suites[@]}"

tested=() ; failed=() ; skipped=()
skip() {  # version, why
    echo "== Python $1: skipped because $2"
    skipped+=("$1 ($2)")
}

SID_USED=""
# Leave no mount behind (unless another run is using the chroot).
trap '[ -z "$SID_USED" ] || bash "$SID" umount --if-idle >/dev/null 2>&1 || true' EXIT
in_sid() { bash "$SID" run -- "$@"; }

# Where a version runs: "host" (found here) or "sid" (Debian sid's, in the
# chroot, where this project's root is bind-mounted at its own path, and
# pip has no index: the chroot's wheelhouse and wheels the host fetched).
at() {  # where, command...: the command, run there
    local where="$1"
    shift
    if [ "$where" = sid ]; then in_sid "$@"; else "$@"; fi
}

fetch_wheels() {  # version, folder, packages...: the host's pip downloads their wheels for it
    local v="$1" dir="$2"
    shift 2
    "$WORK/sdist/bin/python" -m pip download -q --only-binary=:all: --python-version "$v" \
        --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
        --platform manylinux_2_17_x86_64 --platform linux_x86_64 -d "$dir" "$@"
}

add_packages() {  # where, version, venv, packages...: install them (from the index, or fetched for sid)
    local where="$1" v="$2" venv="$3"
    shift 3
    if [ "$where" = sid ]; then
        fetch_wheels "$v" "$WORK/client-wheels-$v" "$@" \
            && in_sid "$venv/bin/pip" install -q --no-index --find-links "$WORK/client-wheels-$v" "$@"
    else
        "$venv/bin/pip" install -q -U "$@"
    fi
}

provision_sid() {  # version: 0 ready, 3 the chroot cannot be had, else failed
    local v="$1" rc=0 log="$WORK/sid-provision-$1.log" reason
    echo "== Python $v: not found here; Debian sid's python$v in the chroot of scripts/sid_pythons.sh"
    set +e
    CFUTURES_SID_PIP="${CFUTURES_SID_PIP:-$WORK/sdist/bin/python -m pip}" CFUTURES_SID_WHEELS="${DEPS[*]}" \
        bash "$SID" provision "$v" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    if [ "$rc" -eq 3 ]; then
        reason="$(sed -n 's/^sid_pythons: unavailable: //p' "$log" | tail -n1)"
        skip "$v" "it is not installed here and the sid chroot cannot be had: ${reason:-see $log}"
        return 3
    elif [ "$rc" -ne 0 ]; then
        echo "FAILED: provisioning the sid chroot for Python $v (status $rc; $log)"; return 1
    fi
    SID_USED=1
    in_sid bash scripts/fetch_cpython_tests.sh "$v=/usr/bin/python$v" || true
}

version_test() {  # version, where, pytest args...: the suite on that Python; 0 passed, 3 skipped
    local v="$1" where="$2" py venv rc=0 dask_required=0
    local -a offline=()
    shift 2
    if [ "$where" = sid ]; then
        provision_sid "$v" || return $?
        py="/usr/bin/python$v"; venv="$WORK/sid-py$v"
        offline=(--no-index)
    else
        py="$(find_python "$v")"; venv="$WORK/py$v"
        echo "== Python $v: $py"
    fi
    at "$where" "$venv/bin/python" -c '' 2>/dev/null || at "$where" "$py" -m venv --clear "$venv" \
        || { echo "FAILED: making a venv of $py"; return 1; }
    if [ "$where" = sid ]; then
        in_sid "$venv/bin/pip" install -q -U --no-index --find-links "$SID_WHEELHOUSE" "${DEPS[@]}"
    else
        "$venv/bin/pip" install -q -U "${DEPS[@]}"
    fi || { echo "FAILED: installing ${DEPS[*]} for $v"; return 1; }
    if runs_clients "$v"; then
        rm -rf "$WORK/client-wheels-$v"
        add_packages "$where" "$v" "$venv" "${CLIENTS[@]}" >"$WORK/clients-$v.log" 2>&1 \
            || echo "== Python $v: could not install ${CLIENTS[*]} (see $WORK/clients-$v.log)"
        # Where pip reaches the index (the host), Dask must install and its
        # tests run; in the chroot only where its wheels could be fetched.
        [ "$where" = sid ] || dask_required=1
        if add_packages "$where" "$v" "$venv" "${DASK[@]}" >>"$WORK/clients-$v.log" 2>&1; then
            dask_required=1
        elif [ "$dask_required" = 1 ]; then
            echo "FAILED: installing ${DASK[*]} for $v (see $WORK/clients-$v.log); its tests will fail"
        else
            echo "== Python $v: could not install ${DASK[*]}: the DaskExecutor tests skip (see $WORK/clients-$v.log)"
        fi
    fi
    fetch_client_tests "$(at "$where" "$venv/bin/python" -c "$S3TRANSFER_VERSION" 2>/dev/null || true)"
    rm -rf "$WORK/wheels-$where-$v"
    at "$where" "$venv/bin/pip" wheel -q --no-deps --no-build-isolation "${offline[@]}" \
            -w "$WORK/wheels-$where-$v" "$SDIST" \
        || { echo "FAILED: building the wheel for $v"; return 1; }
    at "$where" "$venv/bin/pip" install -q --force-reinstall --no-deps "${offline[@]}" \
            "$WORK"/wheels-"$where"-"$v"/cfutures-*.whl \
        || { echo "FAILED: installing the wheel for $v"; return 1; }
    # Run from the repo root; src/ is never on sys.path, so the installed wheel is tested.
    CFUTURES_SKIP_CLIENTS="$(clients_skip_reason "$v")" CFUTURES_REQUIRE_DASK="$dask_required" \
        at "$where" "$venv/bin/python" -m pytest -p no:cacheprovider -q -ra --durations=15 "$@" tests
}

for v in $VERSIONS; do
    if [ -n "$(find_python "$v")" ]; then
        where=host
    elif in_sid_chroot "$v"; then
        where=sid
    elif [[ "$SID_VERSIONS" == *" $v "* ]]; then
        skip "$v" "it is not installed here and CFUTURES_NO_SID is set"; continue
    else
        skip "$v" "it is not installed here"; continue
    fi
    rc=0; version_test "$v" "$where" "$@" || rc=$?
    case "$rc" in 0) tested+=("$v") ;; 3) ;; *) failed+=("$v") ;; esac
done

# The sanitizer run: one version again, its core built with ASan + UBSan
# and the suite's cfutures variants run under them, then the stress test's
# short form under LeakSanitizer (scripts/sanitize.sh). The version is
# CFUTURES_SANITIZE_PYTHON (default 3.14: its sid chroot has GCC 16, whose
# ASan is fork-safe; GCC 12's on this host is not, see sanitize.sh), run
# when it is among the versions tested; "none" leaves it out, saying so.
SANITIZE_VERSION="${CFUTURES_SANITIZE_PYTHON:-3.14}"
sanitize_run() {  # version, pytest args...: 0 clean, 3 not possible here, else failed
    local v="$1" py links
    shift
    py="$(find_python "$v")"
    if [ -n "$py" ]; then
        CFUTURES_SKIP_CLIENTS="$(clients_skip_reason "$v")" bash "$ROOT/scripts/sanitize.sh" "$py" "$SDIST" "$@"
    elif in_sid_chroot "$v" && [ -n "$SID_USED" ]; then
        links="$SID_WHEELHOUSE"
        [ ! -d "$WORK/client-wheels-$v" ] || links="$links $WORK/client-wheels-$v"
        in_sid env CFUTURES_PIP_FIND_LINKS="$links" CFUTURES_SKIP_CLIENTS="$(clients_skip_reason "$v")" \
            bash scripts/sanitize.sh "/usr/bin/python$v" "$SDIST" "$@"
    else
        echo "sanitize: unavailable: Python $v was not run here"; return 3
    fi
}
if [ "$SANITIZE_VERSION" = none ]; then
    skip "sanitized" "CFUTURES_SANITIZE_PYTHON=none"
elif [[ " $VERSIONS " == *" $SANITIZE_VERSION "* ]]; then
    rc=0; sanitize_run "$SANITIZE_VERSION" "$@" || rc=$?
    case "$rc" in
        0) tested+=("$SANITIZE_VERSION-sanitized") ;;
        3) if [ "${CI:-}" = true ]; then   # CI must not pass without it
               echo "FAILED: the sanitizer run could not be made in CI"; failed+=("$SANITIZE_VERSION-sanitized")
           else
               skip "$SANITIZE_VERSION-sanitized" "no sanitizer runtime or interpreter for it here"
           fi ;;
        *) failed+=("$SANITIZE_VERSION-sanitized") ;;
    esac
fi

skips="none"; [ ${#skipped[@]} -eq 0 ] || skips="$(printf '%s; ' "${skipped[@]}")"; skips="${skips%; }"
echo "== tested: ${tested[*]:-none}; failed: ${failed[*]:-none}; skipped: $skips"
[ ${#failed[@]} -eq 0 ] || exit 1
[ ${#tested[@]} -gt 0 ] || { echo "FAILED: no Python version was tested"; exit 1; }
