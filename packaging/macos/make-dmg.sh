#!/usr/bin/env bash
# macOS only: turn "build/dist/Trading Terminal.app" (made by the spec's BUNDLE step through
# packaging/build.sh) into a drag-to-Applications disk image with hdiutil.
#
#   packaging/macos/make-dmg.sh            -> build/trading-terminal-<version>-macos-<arch>.dmg
#
# Signing and notarisation run only when their credentials are given (NOT runnable in this
# repository's CI or on Linux; see docs/install.md):
#   CODESIGN_IDENTITY="Developer ID Application: Name (TEAMID)"   sign app and dmg
#   NOTARY_PROFILE=<keychain profile made by `xcrun notarytool store-credentials`>
#                                                                  notarise and staple the dmg
# Without them the app keeps PyInstaller's ad-hoc signature: it runs on the machine that built
# it; elsewhere Gatekeeper asks the user to allow it (System Settings > Privacy & Security).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD_DIR:-$ROOT/build}
PY=${PY:-$ROOT/.venv/bin/python}
[ "$(uname -s)" = Darwin ] || { echo "make-dmg: macOS only (hdiutil, codesign)" >&2; exit 1; }
eval "$("$PY" packaging/identity.py --shell)"
APP="$BUILD/dist/$DISPLAY_NAME.app"
ARCH=$(uname -m)
DMG="$BUILD/$APP_NAME-$VERSION-macos-$ARCH.dmg"
STAGE="$BUILD/dmg"
[ -d "$APP" ] || { echo "make-dmg: $APP not found: run packaging/build.sh" >&2; exit 1; }

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    # --deep signs every nested binary with the same identity; --options runtime turns on the
    # hardened runtime that notarisation requires; --timestamp gets a secure timestamp.
    codesign --force --deep --options runtime --timestamp \
        --entitlements packaging/macos/entitlements.plist --sign "$CODESIGN_IDENTITY" "$APP"
    codesign --verify --deep --strict --verbose=2 "$APP"
fi

rm -rf "$STAGE" "$DMG"
mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
# hdiutil sometimes fails with "Resource busy" on CI machines; a retry is the known remedy.
for attempt in 1 2 3; do
    if hdiutil create -volname "$DISPLAY_NAME" -srcfolder "$STAGE" -fs HFS+ -format UDZO \
        -ov "$DMG"; then
        break
    fi
    [ "$attempt" -lt 3 ] || { echo "make-dmg: hdiutil create failed" >&2; exit 1; }
    echo "make-dmg: hdiutil create failed, retrying ($attempt)" >&2
done
rm -rf "$STAGE"

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$DMG"
fi
if [ -n "${NOTARY_PROFILE:-}" ]; then
    [ -n "${CODESIGN_IDENTITY:-}" ] || { echo "make-dmg: notarising needs CODESIGN_IDENTITY" >&2; exit 1; }
    xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$DMG"
    xcrun stapler validate "$DMG"
    spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
fi
hdiutil verify "$DMG"
echo "make-dmg: $DMG ($(du -h "$DMG" | cut -f1))"
