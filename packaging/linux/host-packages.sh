#!/usr/bin/env bash
# Install (as root, from Debian's archive) what building and checking the .deb needs on the
# build machine: the libraries Qt links to (the frozen app's smoke test runs against them, and
# dpkg-shlibdeps resolves the bundle's dependencies through the packages that own them), plus
# dpkg-dev, binutils (strip), desktop-file-utils and appstream. Does nothing when all are there.
set -euo pipefail
PACKAGES="dpkg-dev binutils desktop-file-utils appstream
  libgl1 libegl1 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0 libxkbcommon0
  libxkbcommon-x11-0 libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
  libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xkb1 libxcb-shm0
  libxcb-sync1 libxcb-xfixes0 libxcb-render0 libxcb-util1 libxcb-glx0
  libwayland-client0 libwayland-cursor0 libwayland-egl1"

missing=()
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "host-packages: missing Debian packages; as root: apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "host-packages: installing ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
