#!/bin/sh
# The floor for the docker backend: N plain `docker run -d` of the host image on an internal
# network, then `docker rm -f` of them all — what a shell script would do without testbed.
# Usage: sh bench/plain-docker-run.sh N IMAGE
set -eu
n=$1
image=$2
net=plain-bench-$$
now() { date +%s%N; }
cleanup() {
  docker rm -f $(docker ps -aq --filter "label=plain-bench=$net") >/dev/null 2>&1 || true
  docker network rm "$net" >/dev/null 2>&1 || true
}
trap cleanup EXIT

t0=$(now)
docker network create --internal --subnet 192.168.77.0/24 "$net" >/dev/null
i=0
while [ $i -lt "$n" ]; do
  docker run -d --label "plain-bench=$net" --network "$net" --cap-add NET_ADMIN --cap-add SYS_ADMIN --cap-add NET_RAW \
    --security-opt systempaths=unconfined "$image" sleep infinity >/dev/null
  i=$((i + 1))
done
t1=$(now)
cleanup
t2=$(now)
echo "containers=$n setup_ms=$(( (t1 - t0) / 1000000 )) teardown_ms=$(( (t2 - t1) / 1000000 ))"
