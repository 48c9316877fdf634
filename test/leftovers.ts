import { readdirSync } from 'node:fs';
import type Docker from 'dockerode';
import { runProcess } from '../src/util/process.js';

/** What tests can leave on the machine: network namespaces, root links, Docker containers, networks and volumes. */
export interface MachineResources {
  namespaces: string[];
  links: string[];
  containers: string[];
  networks: string[];
  volumes: string[];
}

/**
 * Root links that are no test's leftover: Docker's veths and bridges (their containers and networks
 * are counted), and the catch-all tunnel devices the kernel adds once a module loads (a kernel
 * probe loads it; they cannot be removed).
 */
const NOT_LEFT_BY_TESTS =
  /^(veth|br-|docker0$|tunl0$|gre0$|gretap0$|erspan0$|ip_vti0$|ip6_vti0$|sit0$|ip6tnl0$|ip6gre0$)/;

export async function machineResources(docker: Docker | undefined): Promise<MachineResources> {
  const links = JSON.parse((await runProcess('ip', ['-j', 'link', 'show'])).stdout) as { ifname: string }[];
  const [containers, networks, volumes] = docker
    ? await Promise.all([docker.listContainers({ all: true }), docker.listNetworks(), docker.listVolumes()])
    : [[], [], { Volumes: [] }];
  return {
    namespaces: readdirOrNothing('/run/netns'),
    links: links.map((l) => l.ifname).filter((name) => !NOT_LEFT_BY_TESTS.test(name)),
    containers: containers.map((c) => `${c.Names[0]?.slice(1)} (${c.Id.slice(0, 12)})`),
    networks: networks.map((n) => n.Name),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
  };
}

/** What exists now and did not before, one line per resource. */
export function leftovers(before: MachineResources, after: MachineResources): string[] {
  return (Object.keys(after) as (keyof MachineResources)[]).flatMap((kind) =>
    after[kind].filter((name) => !before[kind].includes(name)).map((name) => `${kind}: ${name}`),
  );
}

function readdirOrNothing(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}
