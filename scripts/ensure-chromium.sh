#!/usr/bin/env bash
# The dashboard browser test needs Debian's Chromium at /usr/bin/chromium.
# Installs it through apt when missing and running as root (CI and the dev
# machines); otherwise says how, and the browser test fails with that message.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium for the browser tests" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "ensure-chromium: /usr/bin/chromium is missing; install it with: sudo apt-get install chromium" >&2
