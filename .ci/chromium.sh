#!/bin/sh
# Installs Debian's headless Chromium and its WebDriver for the dashboard's browser test,
# when they are missing. Needs root (or sudo).
set -eu
if command -v chromedriver >/dev/null 2>&1 && { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }; then
    echo "chromium and chromedriver already installed: $(chromedriver --version)"
    exit 0
fi
run_as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}
run_as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive run_as_root apt-get install -y -qq --no-install-recommends chromium chromium-driver
chromedriver --version
