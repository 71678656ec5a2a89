#!/usr/bin/env bash
# Compile packaging/windows/installer.nsi with makensis.
#
#   packaging/windows/build-installer.sh            Windows (Git Bash, CI): the real payload,
#                                                   build/dist/trading-terminal -> build/*-setup.exe
#   packaging/windows/build-installer.sh --standin  Linux: a stand-in payload (the layout
#                                                   PyInstaller writes on Windows, with placeholder
#                                                   executables) to prove the script compiles here
#
# makensis comes from Debian's nsis package on Linux (installed here as root if missing) and
# from NSIS on Windows (C:\Program Files (x86)\NSIS; `choco install nsis` on runners without it).
# Warnings are errors (-WX).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD_DIR:-$ROOT/build}
PY=${PY:-$ROOT/.venv/bin/python}
eval "$("$PY" packaging/identity.py --shell)"

native() { if command -v cygpath >/dev/null; then cygpath -w "$1"; else echo "$1"; fi; }

MAKENSIS=$(command -v makensis || true)
if [ -z "$MAKENSIS" ] && [ -x "/c/Program Files (x86)/NSIS/makensis.exe" ]; then
    MAKENSIS="/c/Program Files (x86)/NSIS/makensis.exe"
fi
if [ -z "$MAKENSIS" ]; then
    if [ "$(uname -s)" = Linux ] && [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nsis >/dev/null
        MAKENSIS=makensis
    else
        echo "build-installer: makensis not found (Debian: apt-get install nsis)" >&2
        exit 1
    fi
fi
[ -f "$BUILD/icons/app.ico" ] || "$PY" packaging/render_icons.py "$BUILD/icons"

if [ "${1:-}" = --standin ]; then
    OUT=$BUILD/windows-standin
    PAYLOAD=$OUT/payload
    SETUP=$OUT/$APP_NAME-$VERSION-standin-setup.exe
    rm -rf "$OUT"
    mkdir -p "$PAYLOAD/_internal/resources"
    printf 'stand-in for the windowed executable\n' >"$PAYLOAD/$APP_NAME.exe"
    printf 'stand-in for the console executable\n' >"$PAYLOAD/$APP_NAME-cli.exe"
    printf 'stand-in for the bundled libraries\n' >"$PAYLOAD/_internal/python312.dll"
    cp -r resources/icons "$PAYLOAD/_internal/resources/"
else
    PAYLOAD=$BUILD/dist/$APP_NAME
    SETUP=$BUILD/$APP_NAME-$VERSION-windows-x64-setup.exe
    [ -f "$PAYLOAD/$APP_NAME.exe" ] || { echo "build-installer: no $PAYLOAD/$APP_NAME.exe" >&2; exit 1; }
fi

"$MAKENSIS" -V2 -WX \
    "-DPAYLOAD=$(native "$PAYLOAD")" "-DVERSION=$VERSION" "-DICON=$(native "$BUILD/icons/app.ico")" \
    "-DOUTFILE=$(native "$SETUP")" "$(native packaging/windows/installer.nsi)"
[ "$(head -c 2 "$SETUP")" = MZ ] || { echo "build-installer: $SETUP is not a Windows program" >&2; exit 1; }
echo "build-installer: $SETUP ($(wc -c <"$SETUP" | tr -d ' ') bytes)"
