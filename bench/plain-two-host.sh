#!/bin/sh
# The floor for the two-host lab: the same namespaces, links, addresses, routes and sysctls that
# `testbed up scenarios/two-host.ts` builds, as a plain script of one `ip` command per line, the
# way the seed article types them. Prints setup and teardown wall times in milliseconds.
# Usage (root): sh bench/plain-two-host.sh
set -eu
p=plain$$
now() { date +%s%N; }

cleanup() { for n in ns0 ns1 host0 host1 fab; do ip netns del $p-$n 2>/dev/null || true; done; }
trap cleanup EXIT

t0=$(now)
for n in fab host0 host1 ns0 ns1; do ip netns add $p-$n; done
ip -n $p-fab link add name br0 type bridge
ip -n $p-fab addr add 192.168.1.1/24 dev br0
ip -n $p-fab link set dev br0 up
for h in host0:192.168.1.32:ns0:10.20.1.2:10.20.1.3:192.168.1.16 host1:192.168.1.16:ns1:10.20.1.3:10.20.1.2:192.168.1.32; do
  IFS=: read -r host addr ws wsaddr remote remotehost <<EOT
$h
EOT
  IFS=' '
  ip -n $p-fab link add to-$host type veth peer name ens192 netns $p-$host
  ip -n $p-fab link set to-$host master br0 up
  ip -n $p-$host link set lo up
  ip -n $p-$host addr add $addr/24 dev ens192
  ip -n $p-$host link set ens192 up
  ip -n $p-$host route add default via 192.168.1.1 dev ens192
  ip -n $p-$host link add cali$ws address ee:ee:ee:ee:ee:ee type veth peer name eth0 netns $p-$ws
  ip -n $p-$host link set cali$ws up
  ip -n $p-$host route add $wsaddr dev cali$ws scope link
  ip -n $p-$host route add $remote via $remotehost dev ens192
  ip -n $p-$ws link set lo up
  ip -n $p-$ws addr add $wsaddr/32 dev eth0
  ip -n $p-$ws link set eth0 up
  ip -n $p-$ws route add 169.254.1.1 dev eth0 scope link
  ip -n $p-$ws route add default via 169.254.1.1 dev eth0
  ip netns exec $p-$host sh -c "echo 1 > /proc/sys/net/ipv4/ip_forward
    echo 1 > /proc/sys/net/ipv4/conf/cali$ws/forwarding
    echo 1 > /proc/sys/net/ipv4/conf/cali$ws/proxy_arp
    echo 0 > /proc/sys/net/ipv4/neigh/cali$ws/proxy_delay"
done
t1=$(now)
ip netns exec $p-ns0 ping -c 1 -W 1 -q 10.20.1.3 >/dev/null
t2=$(now)
cleanup
t3=$(now)
echo "setup_ms=$(( (t1 - t0) / 1000000 )) first_ping_ms=$(( (t2 - t1) / 1000000 )) teardown_ms=$(( (t3 - t2) / 1000000 ))"
