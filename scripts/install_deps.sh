#!/usr/bin/env bash
# Installs the Debian packages trnsim needs, only those that are missing.
set -euo pipefail
PACKAGES=(build-essential cmake pkg-config libsystemc-dev libeigen3-dev nlohmann-json3-dev
          libcli11-dev libgtest-dev zlib1g-dev python3 python3-numpy python3-matplotlib
          python3-distributed python3-pip python3-setuptools clang)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
