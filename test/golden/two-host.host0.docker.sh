set -e
ip -batch - <<'EOF'
netns add ns0
EOF
ip -batch - <<'EOF'
link set dev eth0 down
link set dev eth0 name ens192
link set dev ens192 up
route replace default via 192.168.1.1 dev ens192
link add name calibb191929c29 address ee:ee:ee:ee:ee:ee type veth peer name eth0 netns ns0
link set dev calibb191929c29 up
route add 10.20.1.2 dev calibb191929c29 scope link
route add 10.20.1.3 via 192.168.1.16 dev ens192
EOF
nsenter --net=/run/netns/ns0 ip -batch - <<'EOF'
link set dev lo up
addr add 10.20.1.2/32 dev eth0
link set dev eth0 up
route add 169.254.1.1 dev eth0 scope link
route add default via 169.254.1.1 dev eth0
EOF
echo 1 > /proc/sys/net/ipv4/ip_forward
echo 1 > /proc/sys/net/ipv4/conf/calibb191929c29/forwarding
echo 1 > /proc/sys/net/ipv4/conf/calibb191929c29/proxy_arp
echo 0 > /proc/sys/net/ipv4/neigh/calibb191929c29/proxy_delay
