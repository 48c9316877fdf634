#!/bin/sh
# Installs the Debian/Ubuntu packages testbed needs, and only those missing. Run as root.
#   sh scripts/install-deps.sh           the netns backend: iproute2, iputils-ping, procps
#   sh scripts/install-deps.sh --docker  also the docker backend: docker.io and debootstrap
#                                        (the host image can then be built without a registry),
#                                        and starts dockerd unless a daemon already answers
set -eu

packages="iproute2 iputils-ping procps"
docker=no
if [ "${1:-}" = "--docker" ]; then
  docker=yes
  packages="$packages debootstrap"
  # A daemon that answers already (Docker CE, a remote DOCKER_HOST) is kept; else Debian's docker.io.
  if ! docker info >/dev/null 2>&1 && ! command -v dockerd >/dev/null 2>&1; then packages="$packages docker.io"; fi
fi

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

[ "$docker" = yes ] || exit 0
if docker info >/dev/null 2>&1; then
  echo "install-deps: a Docker daemon answers"
  exit 0
fi
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  systemctl start docker
else
  echo "install-deps: starting dockerd (log: /var/log/dockerd.log)"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
fi
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "install-deps: a Docker daemon answers"
    exit 0
  fi
  sleep 0.5
done
echo "install-deps: dockerd did not answer within 30 s (see /var/log/dockerd.log)" >&2
exit 3
