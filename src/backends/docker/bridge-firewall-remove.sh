for ipt in iptables-nft iptables-legacy ip6tables-nft ip6tables-legacy; do
  rules=$($ipt -w -S DOCKER-USER 2>/dev/null) || continue
  printf '%s\n' "$rules" | grep -F -- "\"testbed:$LAB\"" | sed 's/^-A/-D/' | while read -r rule; do
    eval "$ipt -w $rule"
  done
done
exit 0
