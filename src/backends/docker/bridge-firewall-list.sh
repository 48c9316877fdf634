# Prints the rules of lab $LAB (those with the comment "testbed:$LAB") under the command that
# printed them, for each iptables that has some.
found=
for save in iptables-nft-save iptables-legacy-save ip6tables-nft-save ip6tables-legacy-save; do
  rules=$($save -t filter 2>/dev/null | grep -F -- "\"testbed:$LAB\"") || continue
  printf '# %s -t filter\n%s\n' "$save" "$rules"
  found=1
done
[ -n "$found" ] || printf 'no rule carries the comment "testbed:%s"\n' "$LAB"
exit 0
