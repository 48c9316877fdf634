#!/bin/bash
# The floor: the Calico-style dataplane testbed builds for N hosts x W workloads (static routing),
# as a plain script — every namespace configured by one `ip -batch`, sysctls by one shell per host,
# hosts one after the other. The batch files are written before the clock starts.
# Usage (root): bash bench/floor.sh N W   -> prints "setup_ms=… teardown_ms=…"
set -euo pipefail
n=$1
w=$2
p=floor$$
dir=$(mktemp -d)
cleanup() {
  for f in "$dir"/*.ns; do [ -e "$f" ] && ip netns del "$(basename "$f" .ns)" 2>/dev/null; done
  rm -rf "$dir"
}
trap cleanup EXIT

# Addresses computed once into arrays: a $(...) per route would fork tens of thousands of shells.
declare -a hip wip
for ((h = 0; h < n; h++)); do
  hip[h]="10.254.$((h / 200)).$((h % 200 + 10))"
  for ((k = 0; k < w; k++)); do wip[h * w + k]="10.$((20 + h / 250)).$((h % 250)).$((k + 2))"; done
done

# Write everything first.
echo "netns add $p-fab" >"$dir/netns.batch"
: >"$dir/$p-fab.ns"
{
  echo "link set dev lo up"
  echo "link add name br0 type bridge"
  echo "addr add 10.254.255.254/16 dev br0"
  echo "link set dev br0 up"
} >"$dir/$p-fab.batch"
for ((h = 0; h < n; h++)); do
  hn=$p-h$h
  echo "netns add $hn" >>"$dir/netns.batch"
  : >"$dir/$hn.ns"
  echo "link add name to$h type veth peer name ens192 netns $hn" >>"$dir/$p-fab.batch"
  echo "link set dev to$h master br0 up" >>"$dir/$p-fab.batch"
  {
    echo "link set dev lo up"
    echo "addr add ${hip[h]}/16 dev ens192"
    echo "link set dev ens192 up"
    echo "route add default via 10.254.255.254 dev ens192"
  } >"$dir/$hn.batch"
  sys="echo 1 > /proc/sys/net/ipv4/ip_forward"
  for ((k = 0; k < w; k++)); do
    wn=$p-w$h-$k
    echo "netns add $wn" >>"$dir/netns.batch"
    : >"$dir/$wn.ns"
    cali=cali$h-$k
    {
      echo "link add name $cali address ee:ee:ee:ee:ee:ee type veth peer name eth0 netns $wn"
      echo "link set dev $cali up"
      echo "route add ${wip[h * w + k]} dev $cali scope link"
    } >>"$dir/$hn.batch"
    {
      echo "link set dev lo up"
      echo "addr add ${wip[h * w + k]}/32 dev eth0"
      echo "link set dev eth0 up"
      echo "route add 169.254.1.1 dev eth0 scope link"
      echo "route add default via 169.254.1.1 dev eth0"
    } >"$dir/$wn.batch"
    sys="$sys; echo 1 > /proc/sys/net/ipv4/conf/$cali/forwarding; echo 1 > /proc/sys/net/ipv4/conf/$cali/proxy_arp; echo 0 > /proc/sys/net/ipv4/neigh/$cali/proxy_delay"
  done
  echo "$sys" >"$dir/$hn.sysctl"
done
for ((h = 0; h < n; h++)); do
  for ((o = 0; o < n; o++)); do
    [ $o -eq $h ] && continue
    for ((k = 0; k < w; k++)); do echo "route add ${wip[o * w + k]} via ${hip[o]} dev ens192"; done
  done >>"$dir/$p-h$h.batch"
done

now() { date +%s%N; }
t0=$(now)
ip -batch "$dir/netns.batch"
ip -n $p-fab -batch "$dir/$p-fab.batch"
for ((h = 0; h < n; h++)); do
  ip -n $p-h$h -batch "$dir/$p-h$h.batch"
  for ((k = 0; k < w; k++)); do ip -n $p-w$h-$k -batch "$dir/$p-w$h-$k.batch"; done
  ip netns exec $p-h$h sh -c "$(cat "$dir/$p-h$h.sysctl")"
done
t1=$(now)
sed 's/^netns add/netns del/' "$dir/netns.batch" | ip -force -batch -
t2=$(now)
rm -f "$dir"/*.ns
echo "setup_ms=$(((t1 - t0) / 1000000)) teardown_ms=$(((t2 - t1) / 1000000))"
