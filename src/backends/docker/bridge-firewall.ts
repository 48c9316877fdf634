import type Docker from 'dockerode';
import { InfraError } from '../../errors.js';
import { runOneOff } from './one-off.js';

/**
 * Docker isolates an internal network by dropping, in the Docker host's FORWARD chain, every
 * bridged frame whose IP source or destination lies outside the network's subnet (br_netfilter
 * shows bridged traffic to iptables). Calico-style routing sends exactly such packets between
 * hosts (10.20.1.2 -> 10.20.1.3 over 192.168.1.0/24), so each lab bridge gets one ACCEPT rule for
 * traffic that stays on that bridge, in DOCKER-USER — the chain Docker leaves to users, as
 * containerlab does for its management bridge. Nothing may leave the bridge that could not before.
 * The rules carry the comment "testbed:<lab>" so `down` finds them without state. They are managed
 * from a short-lived container in the Docker host's network namespace, so this works wherever the
 * daemon runs (local, Docker Desktop's VM, over ssh), with whichever iptables backend Docker uses.
 */
const ADD = `set -e
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
exit 0`;

const REMOVE = `for ipt in iptables-nft iptables-legacy ip6tables-nft ip6tables-legacy; do
  rules=$($ipt -w -S DOCKER-USER 2>/dev/null) || continue
  printf '%s\\n' "$rules" | grep -F -- "\\"testbed:$LAB\\"" | sed 's/^-A/-D/' | while read -r rule; do
    eval "$ipt -w $rule"
  done
done
exit 0`;

export async function allowLabBridge(docker: Docker, image: string, lab: string, bridge: string): Promise<void> {
  const result = await runOnDockerHost(docker, image, ADD, { LAB: lab, BRIDGE: bridge });
  if (result.code !== 0) throw new InfraError(`allowing routed traffic on ${bridge}: ${result.output.trim()}`);
}

export async function removeLabRules(docker: Docker, image: string, lab: string): Promise<void> {
  await runOnDockerHost(docker, image, REMOVE, { LAB: lab });
}

function runOnDockerHost(docker: Docker, image: string, script: string, env: Record<string, string>) {
  // Labelled with the lab, so that a helper a killed run left behind goes with the lab's `down`.
  return runOneOff(docker, { image, script, env, network: 'host', capabilities: ['NET_ADMIN', 'NET_RAW'], labels: { 'testbed.lab': env.LAB!, 'testbed.backend': 'docker', 'testbed.firewall': env.LAB! } });
}
