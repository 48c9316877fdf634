#!/bin/sh
# Installs the Debian/Ubuntu packages testbed needs, and only those missing. Run as root.
set -eu

packages="iproute2 iputils-ping procps"

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing (run this script as root, or: sudo apt-get install$missing)" >&2
    exit 3
  fi
  echo "install-deps: installing$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
echo "install-deps: system packages present ($packages)"
