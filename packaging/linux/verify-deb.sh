#!/usr/bin/env bash
# Verify the .deb on a clean Debian 12: debootstrap --variant=minbase bookworm, install the
# package with apt (its Depends only: --no-install-recommends, nothing else added by hand), run
# the installed `trading-terminal --smoke-test` as an ordinary user offscreen and under Xvfb
# with the xcb platform, purge the package and check that none of its files is left.
#
#   sudo packaging/linux/verify-deb.sh [path/to/trading-terminal_X_amd64.deb]
#
# Xvfb runs on the HOST (installed there with apt if missing) and the chroot reaches it through
# the X socket; the clean root never gets Xvfb or any other test tool, so a dependency the .deb
# forgot cannot be masked by one a test tool pulled in. The pristine root is cached as a tarball
# in the build folder (build/verify/), so reruns skip debootstrap.
#
# Prints one JSON line: deb_mb, installed_mb, smoke_seconds_offscreen, smoke_seconds_xcb (start
# of the process to its exit with "ok": true), and the time each phase took. Needs root (chroot,
# mounts) and network access to the Debian mirror this machine's apt uses.
# Environment: BUILD_DIR (default build), MIRROR (default: from /etc/apt/sources*),
# KEEP_ROOT=1 keeps the chroot for inspection.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD_DIR:-$ROOT/build}
PY=${PY:-$ROOT/.venv/bin/python}
eval "$("$PY" packaging/identity.py --shell)"
SUITE=bookworm
WORK=$BUILD/verify
CHROOT=$WORK/root
TARBALL=$WORK/debootstrap-$SUITE-minbase.tar.gz
T0=$(date +%s.%N)

log() { printf 'verify-deb: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
since() { "$PY" -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 2))" "$1" "$(now)"; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mounts)"
DEB=${1:-$(ls -t "$BUILD"/"${APP_NAME}"_*.deb 2>/dev/null | head -n 1 || true)}
[ -n "$DEB" ] && [ -f "$DEB" ] || die "no .deb given or found in $BUILD (run make package)"
DEB=$(realpath "$DEB")

host_mirror() {
    # The first Debian (not security) URI this machine's apt uses, deb822 or one-line format.
    local uri
    uri=$(awk '
        /^Types:/ { deb = ($0 ~ /deb( |$)/) }
        /^URIs:/ { if (deb && $2 !~ /security/) { print $2; exit } }
    ' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
        uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^(http|https|file):/) { print $i; exit } }' /etc/apt/sources.list)
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}
MIRROR=${MIRROR:-$(host_mirror)}

ensure_host_tools() {
    local missing=()
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v Xvfb >/dev/null || missing+=(xvfb)
    [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
    [ ${#missing[@]} -eq 0 ] && return
    log "installing on the host: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

MOUNTS=()
XVFB_PID=""
XVFB_DISPLAY=""
cleanup() {
    local status=$?
    [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null && wait "$XVFB_PID" 2>/dev/null
    local i
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" 2>/dev/null || true
    done
    if [ "${KEEP_ROOT:-0}" != 1 ] && [ -d "$CHROOT" ]; then
        if grep -q " $CHROOT/" /proc/mounts; then
            log "mounts remain under $CHROOT; not removing it"
        else
            rm -rf --one-file-system "$CHROOT"
        fi
    fi
    exit $status
}
trap cleanup EXIT INT TERM

mount_into_chroot() {
    mount -t proc proc "$CHROOT/proc" && MOUNTS+=("$CHROOT/proc")
    mount -t sysfs sys "$CHROOT/sys" && MOUNTS+=("$CHROOT/sys")
    mount --bind /dev "$CHROOT/dev" && MOUNTS+=("$CHROOT/dev")
    mount --bind /dev/pts "$CHROOT/dev/pts" && MOUNTS+=("$CHROOT/dev/pts")
    mkdir -p "$CHROOT/tmp/.X11-unix" /tmp/.X11-unix
    mount --bind /tmp/.X11-unix "$CHROOT/tmp/.X11-unix" && MOUNTS+=("$CHROOT/tmp/.X11-unix")
}

in_root() { chroot "$CHROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"; }

release_stale_mounts() {
    # A run killed hard can leave /dev or the X socket folder mounted in the old root: unmount
    # them before deleting it, or the delete would reach into the host's folders.
    local m
    for m in $(awk -v root="$CHROOT/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m"
    done
    if grep -q " $CHROOT/" /proc/mounts; then die "cannot unmount what is mounted under $CHROOT"; fi
}

clean_root() {
    release_stale_mounts
    rm -rf --one-file-system "$CHROOT"
    mkdir -p "$CHROOT"
    if [ -f "$TARBALL" ]; then
        log "clean $SUITE root from the cached $TARBALL"
        tar -xzf "$TARBALL" -C "$CHROOT"
    else
        log "debootstrap --variant=minbase $SUITE from $MIRROR (cached afterwards)"
        debootstrap --variant=minbase "$SUITE" "$CHROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
            { tail -n 20 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
        in_root apt-get clean
        tar -czf "$TARBALL.tmp" -C "$CHROOT" . && mv "$TARBALL.tmp" "$TARBALL"
    fi
    printf 'deb %s %s main\n' "$MIRROR" "$SUITE" >"$CHROOT/etc/apt/sources.list"
    cp /etc/resolv.conf "$CHROOT/etc/resolv.conf"
}

# Runs the installed launcher as a new unprivileged user (user "tt-<platform>", a first start
# with an empty home); prints the seconds from process start to exit.
smoke() {
    local platform=$1 display=${2:-} out started seconds user=tt-$1
    out=$WORK/smoke-$platform.json
    in_root useradd --create-home --shell /bin/sh "$user"
    started=$(now)
    if ! chroot --userspec="$user:$user" "$CHROOT" /usr/bin/env -i \
        HOME="/home/$user" PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM="$platform" \
        ${display:+DISPLAY=$display} "$APP_NAME" --smoke-test >"$out" 2>"$WORK/smoke-$platform.err"; then
        cat "$out" "$WORK/smoke-$platform.err" >&2
        die "smoke test ($platform) failed"
    fi
    seconds=$(since "$started")
    # Qt's and the app's warnings go to the per-user log, not stderr: keep it, show its warnings.
    local applog="$CHROOT/home/$user/.local/state/$APP_NAME/log/terminal.log"
    if [ -f "$applog" ]; then
        cp "$applog" "$WORK/terminal-$platform.log"
        grep -E " (WARNING|ERROR|CRITICAL) " "$applog" | sed "s/^/verify-deb: [$platform log] /" >&2 || true
    fi
    "$PY" - "$out" <<'EOF' || die "smoke test ($platform) did not report ok"
import json, sys
lines = [l for l in open(sys.argv[1]) if l.startswith("{")]
sys.exit(0 if lines and json.loads(lines[-1]).get("ok") is True else 1)
EOF
    log "smoke test $platform ok in ${seconds}s"
    echo "$seconds"
}

# Starts Xvfb on a free display (sets XVFB_PID and XVFB_DISPLAY; call it in the main shell, not
# in $(...), so that cleanup can stop it).
start_xvfb() {
    local fifo=$WORK/xvfb.displayfd number
    rm -f "$fifo"
    mkfifo "$fifo"
    Xvfb -displayfd 3 -screen 0 1920x1080x24 -nolisten tcp 3>"$fifo" >"$WORK/xvfb.log" 2>&1 &
    XVFB_PID=$!
    # Xvfb writes the display number to the fd once it accepts connections.
    read -r -t 30 number <"$fifo" || die "Xvfb did not start (see $WORK/xvfb.log)"
    rm -f "$fifo"
    XVFB_DISPLAY=":$number"
}

package_paths_left() {
    # Everything the package installed (dpkg -L, saved before removal) that still exists.
    # Shared folders (/usr/share/icons/hicolor/48x48/apps...) belong to other packages too and
    # stay; any file, link or folder of our own must be gone.
    local path
    while IFS= read -r path; do
        if [ -L "$CHROOT$path" ] || [ -f "$CHROOT$path" ]; then
            echo "$path"
        elif [ -d "$CHROOT$path" ] && ! in_root dpkg -S "$path" >/dev/null 2>&1; then
            case "$path" in /. | /opt | /usr | /usr/bin | /usr/share) ;; *) echo "$path/" ;; esac
        fi
    done <"$WORK/dpkg-L.txt"
    return 0
}

main() {
    mkdir -p "$WORK"
    ensure_host_tools
    local t phase_root phase_install
    t=$(now)
    clean_root
    mount_into_chroot
    in_root apt-get update -qq
    phase_root=$(since "$t")
    local before_kb after_kb
    before_kb=$(du -sk --one-file-system "$CHROOT" | cut -f1)

    t=$(now)
    cp "$DEB" "$CHROOT/tmp/"
    log "apt-get install ./$(basename "$DEB") (Depends only)"
    in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$DEB")" \
        >"$WORK/apt-install.log" 2>&1 || { tail -n 30 "$WORK/apt-install.log" >&2; die "install failed"; }
    phase_install=$(since "$t")
    rm -f "$CHROOT/tmp/$(basename "$DEB")"
    in_root apt-get clean  # downloaded .debs are not part of what stays installed
    after_kb=$(du -sk --one-file-system "$CHROOT" | cut -f1)
    in_root dpkg -L "$APP_NAME" >"$WORK/dpkg-L.txt"
    in_root test -x "/usr/bin/$APP_NAME" || die "/usr/bin/$APP_NAME missing after install"

    # Every bundled ELF file finds its libraries on the clean system (the Depends are complete).
    local unresolved
    unresolved=$(in_root sh -c "find /opt/$APP_NAME -type f -name '*.so*' -exec ldd {} + 2>/dev/null" |
        grep 'not found' | sort -u || true)
    [ -z "$unresolved" ] || die "libraries not found on a clean system: $unresolved"

    local off xcb
    off=$(smoke offscreen)
    start_xvfb
    xcb=$(smoke xcb "$XVFB_DISPLAY")

    # The app must not have written into its own folder (no bytecode, no logs).
    local written
    written=$(in_root find "/opt/$APP_NAME" -newer "/usr/bin/$APP_NAME" -name '__pycache__' | head -n 5)
    [ -z "$written" ] || die "the app wrote into /opt/$APP_NAME: $written"
    local user
    for user in tt-offscreen tt-xcb; do
        [ -f "$CHROOT/home/$user/.local/share/$APP_NAME/terminal.db" ] ||
            die "$user has no database in the per-user data folder"
    done

    log "apt-get remove --purge $APP_NAME"
    in_root apt-get remove --purge -y -qq "$APP_NAME" >"$WORK/apt-remove.log" 2>&1 ||
        { cat "$WORK/apt-remove.log" >&2; die "removal failed"; }
    if in_root dpkg -L "$APP_NAME" >/dev/null 2>&1; then die "dpkg still lists $APP_NAME"; fi
    local left
    left=$(package_paths_left)
    [ -z "$left" ] || die "left behind after purge: $left"
    for path in "/opt/$APP_NAME" "/usr/bin/$APP_NAME" "/usr/share/applications/$APP_ID.desktop" \
        "/usr/share/metainfo/$APP_ID.metainfo.xml" "/usr/share/doc/$APP_NAME"; do
        [ ! -e "$CHROOT$path" ] || die "$path is still there after purge"
    done
    if find "$CHROOT/usr/share/icons" -name "$APP_ID.*" 2>/dev/null | grep -q .; then
        die "icons named $APP_ID are still there after purge"
    fi
    # User data stays: removing the program must not delete a trader's database.
    [ -f "$CHROOT/home/tt-offscreen/.local/share/$APP_NAME/terminal.db" ] ||
        die "the user's database went away with the package"

    local installed_kb
    installed_kb=$(dpkg-deb -f "$DEB" Installed-Size)
    "$PY" - <<EOF
import json, os
print(json.dumps({
    "deb": os.path.basename("$DEB"),
    "deb_mb": round(os.path.getsize("$DEB") / 1e6, 1),
    "installed_mb": round($installed_kb * 1024 / 1e6, 1),
    "installed_with_dependencies_mb": round(($after_kb - $before_kb) * 1024 / 1e6, 1),
    "smoke_seconds_offscreen": $off,
    "smoke_seconds_xcb": $xcb,
    "clean_root_seconds": $phase_root,
    "apt_install_seconds": $phase_install,
    "total_seconds": round(float("$(now)") - float("$T0"), 1),
    "purge_left_nothing": True,
}))
EOF
}

main "$@"
