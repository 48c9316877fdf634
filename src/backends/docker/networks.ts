import type Docker from 'dockerode';
import { InfraError } from '../../errors.js';
import { contains, formatCidr, parseCidr, type Cidr } from '../../net/ipv4.js';
import type { Segment } from '../../topology/topology.js';
import { bridgeName, dockerMessage, LABEL, networkName } from './labels.js';

/**
 * One internal bridge network per segment: no route out of the lab, the scenario's subnet, and
 * Docker's own gateway (on the bridge, in the machine) at `gateway`.
 */
export async function createSegmentNetwork(
  docker: Docker,
  lab: string,
  segment: Segment,
  gateway: string,
  labels: Record<string, string>,
): Promise<void> {
  await docker
    .createNetwork({
      Name: networkName(lab, segment.name),
      Driver: 'bridge',
      Internal: true,
      CheckDuplicate: true,
      IPAM: { Driver: 'default', Config: [{ Subnet: formatCidr(segment.subnet), Gateway: gateway }] },
      Options: { 'com.docker.network.bridge.name': bridgeName(lab, segment.name) },
      Labels: labels,
    })
    .catch(async (error: Error) => {
      if (!/overlap/i.test(error.message))
        throw new InfraError(`creating the Docker network for ${segment.name}: ${dockerMessage(error)}`);
      throw new InfraError(
        `segment ${segment.name}: subnet ${formatCidr(segment.subnet)} overlaps ${await describeOverlap(docker, segment.subnet)}: ` +
          `remove it or change the scenario's subnet`,
      );
    });
}

/** The networks of an engine whose subnet overlaps `subnet`, each named with the testbed lab it belongs to. */
export async function overlappingNetworks(docker: Docker, subnet: Cidr): Promise<string[]> {
  const networks = await docker.listNetworks();
  const overlapping = networks.filter((n) =>
    (n.IPAM?.Config ?? []).some((c) => {
      const other = c.Subnet ? parseCidr(c.Subnet) : undefined;
      return other !== undefined && (contains(other, subnet.address) || contains(subnet, other.address));
    }),
  );
  return overlapping.map((n) => `${n.Name}${n.Labels?.[LABEL.lab] ? ` (testbed lab ${n.Labels[LABEL.lab]})` : ''}`);
}

/** Names the Docker networks whose subnet overlaps `subnet`, and the testbed labs they belong to. */
async function describeOverlap(docker: Docker, subnet: Cidr): Promise<string> {
  const names = await overlappingNetworks(docker, subnet);
  return names.length > 0
    ? `Docker network ${names.join(', ')}`
    : 'a Docker network that already exists (see docker network ls)';
}

/**
 * Docker may still count a just-removed container's endpoint on the network ("has active
 * endpoints"): disconnect what is left and try again for a few seconds.
 */
export async function removeNetwork(docker: Docker, id: string): Promise<void> {
  const network = docker.getNetwork(id);
  for (let attempt = 0; ; attempt++) {
    try {
      await network.remove();
      return;
    } catch (error) {
      const { statusCode } = error as { statusCode?: number };
      if (statusCode === 404) return;
      if (statusCode !== 403 || attempt >= 50) {
        throw new InfraError(
          `removing Docker network ${id.slice(0, 12)}: ${dockerMessage(error)} (a stale endpoint inside dockerd; restarting dockerd frees it)`,
        );
      }
    }
    const info = (await network.inspect().catch(() => undefined)) as
      { Containers?: Record<string, unknown> } | undefined;
    for (const container of Object.keys(info?.Containers ?? {})) {
      await network.disconnect({ Container: container, Force: true }).catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
