#!/usr/bin/env bash
# Browser tests use Debian's Chromium, never a browser that Playwright downloads.
set -euo pipefail
command -v chromium >/dev/null && exit 0
echo "== installing Debian's chromium for the browser tests"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null
