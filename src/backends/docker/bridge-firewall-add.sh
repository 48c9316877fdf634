set -e
done4=
for ipt in iptables-nft iptables-legacy; do
  if $ipt -w -S DOCKER-ISOLATION-STAGE-1 2>/dev/null | grep -q -- "-o $BRIDGE "; then
    $ipt -w -I DOCKER-USER -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "testbed:$LAB" -j ACCEPT
    done4=1
    break
  fi
done
if [ -z "$done4" ]; then
  echo "no Docker isolation rules for $BRIDGE found in iptables-nft or iptables-legacy" >&2
  exit 1
fi
# Where Docker manages ip6tables too (Docker 27 and later by default), IPv6 on a lab bridge
# meets a FORWARD policy of DROP: the same rule, for dual-stack labs.
for ipt in ip6tables-nft ip6tables-legacy; do
  if $ipt -w -S DOCKER-USER >/dev/null 2>&1; then
    $ipt -w -I DOCKER-USER -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "testbed:$LAB" -j ACCEPT
    break
  fi
done
exit 0
