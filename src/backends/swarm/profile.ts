import { z } from 'zod';
import type { BackendProfile } from '../backend.js';
import { uplinkMacOf } from '../docker/containers.js';
import { dockerProfile } from '../docker/profile.js';
import { OVERLAY_REACH_DEADLINE_MS } from './overlay-reach.js';

/** An overlay network's MTU: 1500 less the VXLAN header. Workload veths follow the uplink. */
export const OVERLAY_MTU = 1450;

const options = z.strictObject({
  placement: z
    .record(z.string(), z.union([z.number().int().min(0), z.string().min(1)]))
    .default({})
    .describe('Which engine holds a host: its index in the engine list (from 0) or its URL. Default: round robin.'),
  privileged: z
    .union([z.boolean(), z.array(z.string())], { error: 'must be true, false or a list of host names' })
    .default(false)
    .describe('Run host containers privileged instead of with least privilege: every host, or the ones named.'),
  overlayTimeout: z
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(OVERLAY_REACH_DEADLINE_MS / 1000)
    .describe('Seconds to wait for every host to reach every other over the overlay before the lab counts as broken.'),
});
export type SwarmOptions = z.output<typeof options>;

export const swarmProfile: BackendProfile = {
  ...dockerProfile,
  name: 'swarm',
  description:
    'hosts are containers spread over the Docker engines of a Swarm, segments overlay networks (--engine or TESTBED_ENGINES)',
  capabilities: ['power', 'ipv6', 'routedSegments'],
  programHome: {
    where: 'in the host image',
    fix: 'rebuild it with: testbed image build (it is loaded into every engine)',
  },
  uplinkMtu: OVERLAY_MTU,
  // An overlay carries no multicast, so no IPv6 neighbour discovery: hosts know their peers' MACs.
  uplinkMac: uplinkMacOf,
  options,
  checkOptions(settings, hosts) {
    const { placement, privileged } = settings as SwarmOptions;
    const unknown = (name: string) => !hosts.includes(name);
    return [
      ...Object.keys(placement)
        .filter(unknown)
        .map((name) => ({
          path: `placement.${name}`,
          message: `"${name}" is not a host (hosts: ${hosts.join(', ')})`,
        })),
      ...(Array.isArray(privileged) ? privileged : []).flatMap((name, i) =>
        unknown(name)
          ? [{ path: `privileged[${i}]`, message: `"${name}" is not a host (hosts: ${hosts.join(', ')})` }]
          : [],
      ),
    ];
  },
  flags: {
    privileged: dockerProfile.flags.privileged!,
    engine: {
      type: 'string',
      array: true,
      runtime: true,
      describe: 'swarm: a Docker engine URL (unix://, tcp://, ssh://user@host); repeat it; default: TESTBED_ENGINES',
    },
    'overlay-timeout': {
      type: 'number',
      describe: `swarm: seconds to wait for every host to reach every other over the overlay before giving up (default ${OVERLAY_REACH_DEADLINE_MS / 1000})`,
    },
  },
};
