#!/usr/bin/env bash
# Installs Debian's Chromium for the web UI's end-to-end tests when it is
# missing (Playwright drives it; nothing is downloaded by npm).
set -euo pipefail
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
	exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "ensure-chromium: installing Debian chromium" >&2
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >&2
