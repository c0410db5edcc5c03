#!/usr/bin/env bash
# `make bench` loads the servers with ApacheBench, from Debian's apache2-utils.
set -euo pipefail
command -v ab >/dev/null && exit 0
echo "== installing apache2-utils for ab"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq apache2-utils >/dev/null
command -v ab >/dev/null
