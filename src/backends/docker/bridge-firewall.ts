import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { InfraError } from '../../errors.js';
import { probeLabels, runOneOff } from './one-off.js';

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
/** The scripts, files of their own beside this module (copied into dist/ by the build). */
const scriptFile = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
const ADD = scriptFile('bridge-firewall-add.sh');
const REMOVE = scriptFile('bridge-firewall-remove.sh');
const LIST = scriptFile('bridge-firewall-list.sh');

export async function allowLabBridge(docker: Docker, image: string, lab: string, bridge: string): Promise<void> {
  const result = await runOnDockerHost(docker, image, ADD, { LAB: lab, BRIDGE: bridge });
  if (result.code !== 0) throw new InfraError(`allowing routed traffic on ${bridge}: ${result.output.trim()}`);
}

export async function removeLabRules(docker: Docker, image: string, lab: string): Promise<void> {
  await runOnDockerHost(docker, image, REMOVE, { LAB: lab });
}

/** The lab's rules, as iptables-save prints them, under the command that printed them. */
export async function labRules(docker: Docker, image: string, lab: string): Promise<string> {
  const result = await runOnDockerHost(docker, image, LIST, { LAB: lab });
  if (result.code !== 0) throw new InfraError(`reading the firewall rules of lab ${lab}: ${result.output.trim()}`);
  return result.output.replace(/\r/g, '');
}

function runOnDockerHost(docker: Docker, image: string, script: string, env: Record<string, string>) {
  // Labelled as a probe of the lab: a helper a killed run left behind goes with the lab.
  return runOneOff(docker, {
    image,
    script,
    env,
    network: 'host',
    capabilities: ['NET_ADMIN', 'NET_RAW'],
    labels: { ...probeLabels('docker', env.LAB!), 'testbed.firewall': env.LAB! },
  });
}
