import { z } from 'zod';
import type { BackendProfile } from '../backend.js';
import { routerPlan } from './router.js';

/** Docker names a container's first network interface eth0; the plan renames it after the segment. */
export const DOCKER_UPLINK = 'eth0';

const options = z.strictObject({
  privileged: z
    .union([z.boolean(), z.array(z.string())], { error: 'must be true, false or a list of host names' })
    .default(false)
    .describe('Run host containers privileged instead of with least privilege: every host, or the ones named.'),
});
export type DockerOptions = z.output<typeof options>;

export const dockerProfile: BackendProfile = {
  name: 'docker',
  description: 'hosts are containers on internal Docker networks (needs a Docker daemon; laptops, GitHub Actions)',
  capabilities: ['power', 'ipv6', 'routedSegments'],
  programHome: { where: 'in the host image', fix: 'rebuild it with: testbed image build' },
  hostConcurrency: 8,
  uplink: { adopt: DOCKER_UPLINK },
  namespaces: 'plan',
  namespaceName: (_lab, node) => node,
  /** The plan makes workload namespaces with `ip netns add` inside the host container, which keeps them here. */
  namespacePath: (_lab, node) => `/run/netns/${node}`,
  fabric: routerPlan,
  /** Inside its own container BIRD keeps Debian's default places, so a bare `birdc` finds it. */
  birdPaths: () => ({
    config: '/etc/bird/bird.conf',
    socket: '/run/bird/bird.ctl',
    pid: '/run/bird/bird.pid',
    log: '/var/log/bird.log',
  }),
  options,
  checkOptions(settings, hosts) {
    const { privileged } = settings as DockerOptions;
    if (!Array.isArray(privileged)) return [];
    return privileged.flatMap((name, i) =>
      hosts.includes(name)
        ? []
        : [{ path: `privileged[${i}]`, message: `"${name}" is not a host (hosts: ${hosts.join(', ')})` }],
    );
  },
  flags: {
    privileged: {
      type: 'boolean',
      describe: 'docker, swarm: run host containers privileged instead of with NET_ADMIN, SYS_ADMIN, NET_RAW',
    },
  },
};
