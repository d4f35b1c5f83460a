#!/usr/bin/env bash
# CPython versions the host lacks (3.14, 3.15) from Debian's archive (sid),
# in a chroot cached outside the clone; scripts/test.sh runs their test runs
# inside it.
#
#   bash scripts/sid_pythons.sh provision [VERSION...]   (default: 3.14 3.15)
#   bash scripts/sid_pythons.sh run [--] CMD [ARG...]
#   bash scripts/sid_pythons.sh python VERSION   (prints its path inside)
#   bash scripts/sid_pythons.sh mount | umount [--if-idle] | status | destroy
#
# provision  makes the chroot (debootstrap --variant=minbase sid) with gcc and
#            libc6-dev, then for each VERSION Debian's python3.X, -dev, -venv
#            and libpython3.X-testsuite (CPython's own tests, so the stdlib
#            inside has test.test_concurrent_futures at
#            /usr/lib/python3.X/test), and the wheelhouse WHEELHOUSE (below,
#            a path inside the chroot) holding the wheels the test command
#            installs. The HOST's pip downloads them (pip inside cannot verify
#            the registry's certificate): inside, install with
#              pip install --no-index --find-links /opt/cfutures-wheelhouse
#            Each step writes its marker (.cfutures/base, .cfutures/X.Y, in
#            the chroot) at its very end; a complete chroot is reused, one
#            without the base marker is unmounted, removed and made again, a
#            missing version step is redone. apt in the chroot ignores the
#            archive's Valid-Until date (the archive reached from here may be
#            a copy frozen some weeks ago; signatures are still checked).
# run        bind-mounts /proc, /sys, /dev, /dev/pts, /dev/shm (multiprocessing's
#            semaphores live there) and this project, at its own path so that
#            every path is the same inside, unless they are mounted already,
#            then runs CMD in the chroot as root, in the current directory if
#            it is inside the project (else in /), with a clean environment:
#            HOME, PATH, LANG, TERM and the caller's CFUTURES_*, PYTEST_*, CI.
#            Exits with CMD's status (125 when it could not run it).
# python     prints /usr/bin/pythonX.Y when that version is provisioned
#            (status 0), else says so (status 3).
# mount      only the mounts; umount undoes them (--if-idle: only when no
#            `run` is going on, as test.sh does at its end); status says what
#            is there; destroy unmounts and removes the chroot.
#
# Environment:
#   CFUTURES_SID_CHROOT  the chroot (default /var/cache/cfutures/sid); its
#                        locks (.lock, .mount.lock) and log (.log) lie beside it
#   CFUTURES_SID_MIRROR  the Debian mirror (default: the one the host's apt
#                        sources name, else http://deb.debian.org/debian)
#   CFUTURES_SID_PIP     the host's pip command for the wheelhouse (default:
#                        python3 -m pip)
#   CFUTURES_SID_WHEELS  the packages of the wheelhouse, with what they need
#                        (default: cython setuptools wheel build pytest
#                        pytest-timeout pytest-benchmark; pip is added)
#
# Exit status of provision, mount, python: 0 done; 1 failed (the log's tail is
# printed); 2 usage; 3 impossible here: not root, no debootstrap and it cannot
# be installed, Debian's archive unreachable, no right to chroot or mount, no
# pip on the host, or sid has no package for a requested version. Then the
# last line printed is "sid_pythons: unavailable: REASON".
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
C="${CFUTURES_SID_CHROOT:-/var/cache/cfutures/sid}"
C="${C%/}"
# Locks beside the chroot: LOCK is held shared by each `run` while its command
# runs (by this script, not by the command's processes) and exclusively by
# what changes the chroot (provisioning, destroy) or unmounts it; MOUNT_LOCK
# serialises the mounting.
LOCK="$C.lock"
MOUNT_LOCK="$C.mount.lock"
LOG="$C.log"
MARKERS=".cfutures"               # inside the chroot
WHEELHOUSE="/opt/cfutures-wheelhouse"   # inside the chroot
DEFAULT_VERSIONS="3.14 3.15"
# What the test command installs in each venv (scripts/test.sh passes its DEPS
# as CFUTURES_SID_WHEELS), and pip. A version whose wheelhouse was made for
# another list is provisioned again (its wheels downloaded again).
read -r -a WHEELS <<<"${CFUTURES_SID_WHEELS:-cython setuptools wheel build pytest pytest-timeout pytest-benchmark}"
WHEELS+=(pip)
EXIT_UNAVAILABLE=3

say() { echo "sid_pythons: $*"; }
unavailable() { say "unavailable: $*"; exit "$EXIT_UNAVAILABLE"; }
fail() {  # message: print the log's tail and fail
    [ ! -s "$LOG" ] || { echo "---- last lines of $LOG:"; tail -n 25 "$LOG"; echo "----"; }
    say "FAILED: $*"; exit 1
}
now() { date +%s; }

check_version() {
    [[ "$1" =~ ^3\.[0-9]+$ ]] || { echo "bad version '$1' (want X.Y, e.g. 3.14)" >&2; exit 2; }
}

mirror() {  # the Debian mirror: $CFUTURES_SID_MIRROR, the host's, or deb.debian.org
    if [ -n "${CFUTURES_SID_MIRROR:-}" ]; then echo "${CFUTURES_SID_MIRROR%/}"; return; fi
    local url
    url="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | grep -E '^[[:space:]]*(URIs:|deb[[:space:]])' | grep -oE 'https?://[^[:space:]]+/debian/?([[:space:]]|$)' \
        | tr -d '[:space:]' | head -n1)"
    url="${url%/}"
    echo "${url:-http://deb.debian.org/debian}"
}

# --- the chroot's mounts --------------------------------------------------

mounted_in_order() {  # the mount points at or under the chroot, as mounted
    awk -v c="$C" '$5 == c || index($5, c "/") == 1 { print $5 }' /proc/self/mountinfo
}

mounts_under() {  # the same, deepest first (the order to unmount them)
    mounted_in_order | awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2-
}

same_dir() { [ "$(stat -c %d:%i "$1" 2>/dev/null)" = "$(stat -c %d:%i "$2" 2>/dev/null)" ]; }

bind_one() {  # source target: bind-mount unless it is already there
    local src="$1" dst="$C$2"
    if mountpoint -q "$dst" 2>/dev/null; then
        same_dir "$src" "$dst" && return 0
        umount "$dst" 2>/dev/null || umount -l "$dst" || return 1   # stale: another source
    fi
    mkdir -p "$dst" && mount --bind "$src" "$dst" && mount --make-private "$dst"
}

mount_all() {  # the mounts `run` needs; idempotent. 3 when mounting is refused here.
    ( flock 8 && _mount_all ) 8>"$MOUNT_LOCK"
}

_mount_all() {
    [ -d "$C/usr" ] || { say "no chroot at $C (run: $0 provision)"; return 1; }
    if ! mountpoint -q "$C/proc" || [ ! -e "$C/proc/self/status" ]; then
        mkdir -p "$C/proc"
        if ! mount -t proc proc "$C/proc" 2>>"$LOG"; then
            say "cannot mount proc in $C: $(tail -n1 "$LOG")"; return "$EXIT_UNAVAILABLE"
        fi
    fi
    local pair
    for pair in /sys:/sys /dev:/dev /dev/pts:/dev/pts /dev/shm:/dev/shm "$ROOT:$ROOT"; do
        bind_one "${pair%%:*}" "${pair#*:}" 2>>"$LOG" \
            || { say "cannot bind-mount ${pair%%:*} into $C: $(tail -n1 "$LOG")"; return 1; }
    done
}

umount_all() {  # every mount under the chroot; fails if one stays
    ( flock 8 && _umount_all ) 8>"$MOUNT_LOCK"
}

_umount_all() {
    local m
    while read -r m; do
        [ -n "$m" ] || continue
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done < <(mounts_under)
    [ -z "$(mounts_under)" ]
}

# --- inside the chroot ----------------------------------------------------

CHROOT_BIN="$(command -v chroot || echo /usr/sbin/chroot)"

clean_env() {  # the environment of a command inside: NAME=VALUE lines
    printf '%s\n' HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 "TERM=${TERM:-dumb}"
    local name
    while read -r name; do
        case "$name" in CFUTURES_SID_*) continue ;; esac
        printf '%s=%s\n' "$name" "${!name}"
    done < <(compgen -e | grep -E '^(CFUTURES_|PYTEST_|CI$)')
}

in_chroot() {  # CMD...: run in the chroot (in /), clean environment, apt quiet
    local envs=()
    mapfile -t envs < <(clean_env)
    env -i "${envs[@]}" DEBIAN_FRONTEND=noninteractive "$CHROOT_BIN" "$C" "$@"
}

# --- provisioning ---------------------------------------------------------

ensure_debootstrap() {
    command -v debootstrap >/dev/null && return
    command -v apt-get >/dev/null || unavailable "no debootstrap here and no apt-get to install it"
    say "installing debootstrap on the host (apt-get install debootstrap)"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >>"$LOG" 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$LOG" 2>&1 \
            && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >>"$LOG" 2>&1 \
            || unavailable "no debootstrap here and apt-get cannot install it: $(tail -n1 "$LOG")"
    fi
    command -v debootstrap >/dev/null || unavailable "debootstrap is not on PATH after installing it"
}

probe_archive() {  # mirror: can sid's Release file be read?
    local url="$1/dists/sid/Release" ok=1
    if command -v wget >/dev/null; then
        wget -q -O /dev/null --timeout=30 --tries=2 "$url" && ok=0
    elif command -v curl >/dev/null; then
        curl -fsS -o /dev/null --max-time 30 "$url" && ok=0
    else
        ok=0   # nothing to probe with: debootstrap will tell
    fi
    [ "$ok" -eq 0 ] || unavailable "Debian's archive is unreachable from here ($url)"
}

host_pip() {  # prints the host's pip command line, or fails
    if [ -n "${CFUTURES_SID_PIP:-}" ]; then echo "$CFUTURES_SID_PIP"; return; fi
    local p
    for p in python3 python; do
        if command -v "$p" >/dev/null && "$p" -m pip --version >/dev/null 2>&1; then
            echo "$p -m pip"; return
        fi
    done
    return 1
}

remove_chroot() {
    [ -e "$C" ] || return 0
    umount_all || fail "mounts remain under $C; not removing it: $(mounts_under | tr '\n' ' ')"
    rm -rf --one-file-system "$C" || fail "cannot remove $C"
}

provision_base() {
    local t0 mirror
    t0="$(now)"
    ensure_debootstrap
    mirror="$(mirror)"
    probe_archive "$mirror"
    if [ -e "$C" ]; then say "$C is incomplete (no $MARKERS/base): removing it"; remove_chroot; fi
    say "debootstrap --variant=minbase sid $C $mirror (log: $LOG)"
    mkdir -p "$C"
    if ! debootstrap --variant=minbase sid "$C" "$mirror" >>"$LOG" 2>&1; then
        umount_all || true
        fail "debootstrap of sid into $C"
    fi
    # The archive reached from here may be a copy frozen some time ago: its
    # Release file is still signed, but past its Valid-Until date.
    printf '%s\n' '// written by cfutures scripts/sid_pythons.sh' 'Acquire::Check-Valid-Until "false";' \
        'APT::Install-Recommends "false";' >"$C/etc/apt/apt.conf.d/99cfutures"
    mount_all; local rc=$?
    [ "$rc" -eq 0 ] || { [ "$rc" -eq "$EXIT_UNAVAILABLE" ] && unavailable "no right to mount in $C"; fail "mounting in $C"; }
    say "installing gcc, libc6-dev in the chroot"
    { in_chroot apt-get update -q && in_chroot apt-get install -y -q --no-install-recommends gcc libc6-dev; } \
        >>"$LOG" 2>&1 || fail "apt-get install gcc libc6-dev in the chroot"
    in_chroot apt-get clean >>"$LOG" 2>&1 || true
    mkdir -p "$C/$MARKERS" "$C$WHEELHOUSE"
    echo "debootstrap sid from $mirror, $(date -u +%FT%TZ)" >"$C/$MARKERS/base"
    say "base chroot ready in $(( $(now) - t0 ))s"
}

provision_version() {  # X.Y
    local v="$1" t0 pkgs pip log candidate
    t0="$(now)"
    pkgs=("python$v" "python$v-dev" "python$v-venv" "libpython$v-testsuite")
    mount_all || fail "mounting in $C"
    candidate() { in_chroot apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'; }
    if [ -z "$(candidate "python$v")" ] || [ "$(candidate "python$v")" = "(none)" ]; then
        in_chroot apt-get update -q >>"$LOG" 2>&1 || fail "apt-get update in the chroot"
    fi
    local p
    for p in "${pkgs[@]}"; do
        candidate="$(candidate "$p")"
        if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
            unavailable "Debian sid has no package $p (so no CPython $v)"
        fi
    done
    say "$v: installing ${pkgs[*]} ($(candidate "python$v")) in the chroot"
    # Once more after an update when the chroot's package lists are out of date.
    in_chroot apt-get install -y -q --no-install-recommends "${pkgs[@]}" >>"$LOG" 2>&1 \
        || { in_chroot apt-get update -q && in_chroot apt-get install -y -q --no-install-recommends "${pkgs[@]}"; } \
            >>"$LOG" 2>&1 || fail "apt-get install ${pkgs[*]} in the chroot"
    in_chroot apt-get clean >>"$LOG" 2>&1 || true
    # What the test runs rely on: the suite in the stdlib, venv with pip,
    # the C headers, and POSIX semaphores (a working /dev/shm).
    in_chroot "/usr/bin/python$v" -c '
import ensurepip, multiprocessing, os, sysconfig, test.test_concurrent_futures
assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))
multiprocessing.Lock()' >>"$LOG" 2>&1 || fail "Python $v in the chroot lacks what the tests need (see the log)"

    pip="$(host_pip)" || unavailable "no pip on the host to download the wheels for Python $v"
    say "$v: downloading wheels for cp${v/./} into $C$WHEELHOUSE with the host's pip ($pip)"
    # Every wheel, dependencies included; pure-Python ones where no cp3X one exists.
    # shellcheck disable=SC2086
    $pip download -q --only-binary=:all: --python-version "$v" --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
        --platform manylinux_2_17_x86_64 --platform linux_x86_64 \
        -d "$C$WHEELHOUSE" "${WHEELS[@]}" >>"$LOG" 2>&1 \
        || fail "pip download of ${WHEELS[*]} for Python $v"
    # Check the wheelhouse serves this Python alone (a dry run of the install).
    log="$(in_chroot /bin/sh -c "rm -rf /tmp/cfutures-probe && /usr/bin/python$v -m venv /tmp/cfutures-probe \
        && /tmp/cfutures-probe/bin/pip install -q --no-index --find-links $WHEELHOUSE ${WHEELS[*]}; \
        rc=\$?; rm -rf /tmp/cfutures-probe; exit \$rc" 2>&1)" \
        || { echo "$log" >>"$LOG"; fail "installing from the wheelhouse with Python $v in the chroot"; }
    printf '%s, %s\nwheels: %s\n' "$(in_chroot "/usr/bin/python$v" -c 'import sys; print(sys.version.split()[0])')" \
        "$(date -u +%FT%TZ)" "${WHEELS[*]}" >"$C/$MARKERS/$v"
    say "$v: ready, Python $(marker_field "$v" 1) in ${C} ($(( $(now) - t0 ))s)"
}

version_ready() {  # X.Y: provisioned, with a wheelhouse for today's list?
    [ -f "$C/$MARKERS/$1" ] && [ -x "$C/usr/bin/python$1" ] \
        && [ "$(sed -n 2p "$C/$MARKERS/$1")" = "wheels: ${WHEELS[*]}" ]
}

marker_field() {  # X.Y N: the Nth field of the version's marker (1 version, 2 date)
    head -n1 "$C/$MARKERS/$1" | cut -d, -f"$2" | tr -d ' '
}

cmd_provision() {
    local versions=("$@") v ready
    [ ${#versions[@]} -gt 0 ] || read -r -a versions <<<"$DEFAULT_VERSIONS"
    for v in "${versions[@]}"; do check_version "$v"; done
    [ "$(id -u)" -eq 0 ] || unavailable "not root (debootstrap, chroot and mount need root)"
    mkdir -p "$(dirname "$C")" || unavailable "cannot create $(dirname "$C")"
    ready=1
    [ -f "$C/$MARKERS/base" ] || ready=0
    for v in "${versions[@]}"; do version_ready "$v" || ready=0; done
    if [ "$ready" -eq 0 ]; then   # changing the chroot: no run may be using it
        exec 9>"$LOCK" || unavailable "cannot open the lock $LOCK"
        flock -n 9 || { say "waiting for the other provisioning or runs using $C to end"; flock 9; }
    fi
    if [ -f "$C/$MARKERS/base" ]; then
        say "reusing $C ($(cat "$C/$MARKERS/base"))"
    else
        : >"$LOG"
        provision_base
    fi
    for v in "${versions[@]}"; do
        if version_ready "$v"; then
            say "$v: ready, Python $(marker_field "$v" 1) (provisioned $(marker_field "$v" 2))"
        else
            provision_version "$v"
        fi
    done
    mount_all || fail "mounting in $C"
}

# --- the other commands ---------------------------------------------------

cmd_run() {
    [ "${1:-}" != "--" ] || shift
    [ $# -gt 0 ] || { echo "usage: $0 run [--] CMD [ARG...]" >&2; exit 2; }
    [ "$(id -u)" -eq 0 ] || { say "not root: cannot chroot"; exit 125; }
    [ -f "$C/$MARKERS/base" ] || { say "no provisioned chroot at $C (run: $0 provision)"; exit 125; }
    exec 9>"$LOCK" || exit 125
    flock -s 9                    # shared while CMD runs; its processes do not hold it
    mount_all || exit 125
    local cwd=/ envs=()
    case "$PWD/" in "$ROOT"/*) cwd="$PWD" ;; esac
    mapfile -t envs < <(clean_env)
    env -i "${envs[@]}" "$CHROOT_BIN" "$C" /bin/sh -c 'cd "$1" || exit 125; shift; exec "$@"' sh "$cwd" "$@" 9>&-
}

cmd_python() {
    check_version "${1:-}"
    if [ -f "$C/$MARKERS/$1" ] && [ -x "$C/usr/bin/python$1" ]; then echo "/usr/bin/python$1"; return 0; fi
    say "Python $1 is not provisioned in $C (run: $0 provision $1)"; exit "$EXIT_UNAVAILABLE"
}

cmd_mount() {
    [ "$(id -u)" -eq 0 ] || unavailable "not root: cannot mount"
    mount_all; local rc=$?
    [ "$rc" -ne "$EXIT_UNAVAILABLE" ] || unavailable "mounting in $C is refused here"
    [ "$rc" -eq 0 ] || exit 1
    say "mounted: $(mounted_in_order | tr '\n' ' ')"
}

cmd_umount() {
    [ -e "$LOCK" ] || return 0
    exec 9>"$LOCK"
    if [ "${1:-}" = "--if-idle" ]; then
        flock -n 9 || { say "in use by another run: left mounted"; return 0; }
    else
        flock 9
    fi
    umount_all || { say "could not unmount: $(mounts_under | tr '\n' ' ')"; exit 1; }
}

cmd_status() {
    echo "chroot:     $C"
    if [ -f "$C/$MARKERS/base" ]; then echo "base:       $(cat "$C/$MARKERS/base")"
    elif [ -e "$C" ]; then echo "base:       INCOMPLETE (the next provision rebuilds it)"
    else echo "base:       not provisioned"; fi
    local v
    for v in $DEFAULT_VERSIONS; do
        if [ -f "$C/$MARKERS/$v" ]; then echo "python$v:  $(head -n1 "$C/$MARKERS/$v"); $(sed -n 2p "$C/$MARKERS/$v")"; else echo "python$v:  not provisioned"; fi
    done
    echo "wheelhouse: $C$WHEELHOUSE ($(ls "$C$WHEELHOUSE" 2>/dev/null | wc -l) wheels)"
    echo "mounted:    $(mounted_in_order | tr '\n' ' ')"
    [ ! -d "$C" ] || echo "disk:       $(du -shx --exclude="$C$ROOT" "$C" 2>/dev/null | cut -f1)"
}

cmd_destroy() {
    [ "$(id -u)" -eq 0 ] || unavailable "not root"
    exec 9>"$LOCK"; flock 9
    remove_chroot
    rm -f "$LOG"
    say "removed $C"
}

command="${1:-}"; shift || true
case "$command" in
    provision) cmd_provision "$@" ;;
    run)       cmd_run "$@" ;;
    python)    cmd_python "$@" ;;
    mount)     cmd_mount ;;
    umount)    cmd_umount "$@" ;;
    status)    cmd_status ;;
    destroy)   cmd_destroy ;;
    *) sed -n '2,9p' "$0" >&2; exit 2 ;;
esac
