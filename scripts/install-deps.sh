#!/bin/sh
# Installs the Debian/Ubuntu packages testbed needs, and only those missing. Run as root.
#   sh scripts/install-deps.sh           the netns backend: every program any shipped scenario runs
#   sh scripts/install-deps.sh --docker  also the docker backend: docker.io and debootstrap
#                                        (the host image can then be built without a registry),
#                                        and starts dockerd unless a daemon already answers
#   sh scripts/install-deps.sh --browser also Chromium, which the test suite opens HTML reports in
#   sh scripts/install-deps.sh --bench   also Mininet and bridge-utils, which `npm run bench` compares with
#   sh scripts/install-deps.sh --list [--docker] [--browser] [--bench]
#                                        print the package names only, one per line, install nothing
# The package lists below are the "machine", "imageBuild" and "browserTests" columns of
# src/requirements/programs.ts; a unit test keeps them equal.
set -eu

MACHINE_PACKAGES="iproute2 iputils-ping procps bird2 iperf3 tcpdump perl"
DOCKER_PACKAGES="debootstrap docker.io"
BROWSER_PACKAGES="chromium"
BENCH_PACKAGES="mininet bridge-utils"

docker=no
browser=no
bench=no
list=no
for arg in "$@"; do
  case "$arg" in
    --docker) docker=yes ;;
    --browser) browser=yes ;;
    --bench) bench=yes ;;
    --list) list=yes ;;
    *) echo "install-deps: unknown argument $arg (use --docker, --browser, --bench, --list)" >&2; exit 2 ;;
  esac
done

packages="$MACHINE_PACKAGES"
[ "$docker" = no ] || packages="$packages $DOCKER_PACKAGES"
[ "$bench" = no ] || packages="$packages $BENCH_PACKAGES"
# A Chrome or Chromium already there does (GitHub's runners have Chrome; Ubuntu's chromium is a snap).
if [ "$browser" = yes ] && { [ "$list" = yes ] || ! command -v google-chrome chromium-browser >/dev/null 2>&1; }; then
  packages="$packages $BROWSER_PACKAGES"
fi
if [ "$list" = yes ]; then
  for p in $packages; do echo "$p"; done
  exit 0
fi
if [ "$docker" = yes ] && { docker info >/dev/null 2>&1 || command -v dockerd >/dev/null 2>&1; }; then
  # A daemon that answers or is installed already (Docker CE on GitHub's runners, Docker Desktop,
  # a remote DOCKER_HOST) is kept: Debian's docker.io would conflict with it.
  packages=$(echo "$packages" | sed 's/ docker\.io//')
fi

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

# Debian's bird2 enables and starts bird.service: a BIRD in the machine's own network namespace,
# which testbed never wants. Keep it from starting while installing (policy-rc.d, honoured by
# invoke-rc.d and deb-systemd-invoke) and mask the unit where systemd runs, so it never starts.
bird_guard() {
  case "$missing" in *" bird2"*) ;; *) return 0 ;; esac
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl mask bird.service >/dev/null 2>&1 || true
  fi
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    policy_added=yes
  fi
}
policy_added=no
cleanup() { [ "$policy_added" = no ] || rm -f /usr/sbin/policy-rc.d; }
trap cleanup EXIT

if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing (run this script as root, or: sudo apt-get install$missing)" >&2
    exit 3
  fi
  echo "install-deps: installing$missing"
  bird_guard
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  cleanup
  policy_added=no
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
