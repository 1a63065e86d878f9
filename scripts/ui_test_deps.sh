#!/usr/bin/env bash
# Installs what the Airflow UI plugin's browser test needs: Debian's headless-capable Chromium.
# Idempotent: does nothing when /usr/bin/chromium is already there. Needs root (CI runs as root);
# never lets a tool download a browser build of its own.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "chromium is missing; install it as root: apt-get install -y chromium" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium >/dev/null
