#!/usr/bin/env bash
# `make package`: the frozen app (PyInstaller one-folder build) and the installer of this OS.
# Runs on Linux, macOS and Windows (Git Bash); CI runs it on all three.
#
#   1. install PyInstaller at the version pinned in pyproject.toml's `package` extra
#   2. check the app id / name / version the installers use against the app's own constants
#   3. render the icons from resources/icons/app.svg (Qt, offscreen); macOS: iconutil -> .icns
#   4. freeze: packaging/trading-terminal.spec -> build/dist/trading-terminal/ (+ the .app)
#   5. Linux: drop debug info from CPython's own files (a pyenv build carries -g: 22 MB)
#   6. run the frozen app's --smoke-test offscreen, in a throwaway HOME
#   7. the installer: Linux .deb (packaging/linux/build-deb.sh), Windows setup.exe
#      (packaging/windows/build-installer.sh), macOS .dmg (packaging/macos/make-dmg.sh)
#
# Environment: PY (default .venv/bin/python), BUILD_DIR (default build), NO_INSTALLER=1 stops
# after the smoke test. Plain bash 3.2 (macOS's /bin/bash) is enough.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PY:-$ROOT/.venv/bin/python}
BUILD=${BUILD_DIR:-$ROOT/build}
export BUILD_DIR=$BUILD PY
START=$(date +%s)
case "$(uname -s)" in
    Linux) OS=linux ;;
    Darwin) OS=macos ;;
    MINGW* | MSYS* | CYGWIN*) OS=windows ;;
    *) echo "build: unsupported system $(uname -s)" >&2; exit 1 ;;
esac

step() { printf '\n== %s (%ss)\n' "$*" "$(($(date +%s) - START))" >&2; }

step "PyInstaller from pyproject.toml [package]"
REQS=$("$PY" -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["package"]))' | tr -d '\r')
[ -n "$REQS" ] || { echo "build: no [package] extra in pyproject.toml" >&2; exit 1; }
# shellcheck disable=SC2086  # requirement strings hold no spaces
"$PY" -m pip install --quiet $REQS  # a no-op when already satisfied
"$PY" -m PyInstaller --version

if [ $OS = linux ]; then
    step "Debian packages the build, the frozen app and dpkg-shlibdeps need"
    packaging/linux/host-packages.sh
fi

step "identity"
eval "$("$PY" packaging/identity.py --shell)"
echo "$APP_ID $APP_NAME $VERSION"
# The spec reads the icons from here (a Windows path on Windows: env values are not converted).
TT_ICON_DIR=$BUILD/icons
if [ $OS = windows ]; then TT_ICON_DIR=$(cygpath -w "$TT_ICON_DIR"); fi
export TT_ICON_DIR

step "icons"
"$PY" packaging/render_icons.py "$BUILD/icons"
if [ $OS = macos ]; then
    iconutil -c icns "$BUILD/icons/app.iconset" -o "$BUILD/icons/app.icns"
fi

step "freeze (PyInstaller)"
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$BUILD/dist" --workpath "$BUILD/pyinstaller" packaging/trading-terminal.spec
DIST=$BUILD/dist/$APP_NAME

if [ $OS = linux ]; then
    step "strip debug info from CPython's files (never from wheels' libraries: OpenBLAS breaks)"
    find "$DIST/_internal" -maxdepth 1 -name 'libpython3*.so*' -type f -print0 |
        xargs -0 -r strip --strip-debug
    find "$DIST/_internal" -path '*/lib-dynload/*.so' -type f -print0 |
        xargs -0 -r strip --strip-debug
fi

step "smoke test of the frozen app (offscreen)"
case $OS in
    linux) "$PY" packaging/smoke_frozen.py "$DIST/$APP_NAME" ;;
    macos) "$PY" packaging/smoke_frozen.py "$BUILD/dist/$DISPLAY_NAME.app/Contents/MacOS/$APP_NAME" ;;
    windows)
        # The console twin prints the JSON line; the windowed program (sys.stdout and
        # sys.stderr are None) must pass too, judged by its exit status.
        "$PY" packaging/smoke_frozen.py "$DIST/$APP_NAME-cli.exe"
        "$PY" packaging/smoke_frozen.py --exit-status-only "$DIST/$APP_NAME.exe"
        ;;
esac
du -sh "$DIST"

if [ "${NO_INSTALLER:-0}" != 1 ]; then
    step "installer"
    case $OS in
        linux) packaging/linux/build-deb.sh ;;
        macos) packaging/macos/make-dmg.sh ;;
        windows) packaging/windows/build-installer.sh ;;
    esac
fi
step "done"
