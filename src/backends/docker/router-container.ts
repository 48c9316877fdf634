import type Docker from 'dockerode';
import type { UplinkMac } from '../../dataplane/host-plan.js';
import type { LabPlan } from '../../dataplane/lab-plan.js';
import { FABRIC } from '../../dataplane/ops.js';
import { renderScript } from '../../dataplane/render.js';
import { InfraError } from '../../errors.js';
import type { Segment } from '../../topology/topology.js';
import { outputTail } from '../../util/process.js';
import type { Progress } from '../backend.js';
import { routerContainerSpec, uplinkMacOf } from './containers.js';
import { execCapture } from './exec.js';
import { networkName } from './labels.js';
import { routerLinks } from './router.js';
import { dockerProfile } from './profile.js';

/**
 * The router between the segments: on every segment's network at its gateway (with the MAC that
 * address gives, as hosts have), then set up by the lab plan's fabric part. `networkOf` names a
 * segment's Docker network (the swarm backend's overlays are named their own way).
 */
export async function startRouter(
  docker: Docker,
  plan: LabPlan,
  image: string,
  labels: Record<string, string>,
  progress: Progress,
  {
    networkOf = (segment) => networkName(plan.topology.lab, segment.name),
    uplinkMac,
  }: { networkOf?: (segment: Segment) => string; uplinkMac?: UplinkMac } = {},
): Promise<void> {
  const { lab, segments } = plan.topology;
  progress(`starting the router between ${segments.map((s) => s.name).join(', ')}`);
  const [first, ...rest] = segments;
  const container = await docker.createContainer(
    routerContainerSpec(lab, image, labels, networkOf(first!), first!.gateway),
  );
  for (const segment of rest) {
    await docker.getNetwork(networkOf(segment)).connect({
      Container: container.id,
      EndpointConfig: { IPAMConfig: { IPv4Address: segment.gateway }, MacAddress: uplinkMacOf(segment.gateway) },
    });
  }
  await container.start();
  const links = routerLinks(plan.topology, await interfacesOf(container, networkOf), uplinkMac);
  const script = renderScript([...links, ...plan.fabric!.sections], FABRIC, (node) => node, {
    createNamespaces: false,
    pathOf: (node) => dockerProfile.namespacePath(lab, node),
  });
  const result = await execCapture(container, ['sh', '-s'], { input: script });
  if (result.code !== 0) throw new InfraError(`setting up the router: ${outputTail(result) || `exit ${result.code}`}`);
}

/** Which interface of a container is on a segment's network: the one with the MAC Docker gave that endpoint. */
async function interfacesOf(
  container: Docker.Container,
  networkOf: (segment: Segment) => string,
): Promise<(segment: Segment) => string> {
  const { NetworkSettings } = await container.inspect();
  const links = await execCapture(container, ['ip', '-j', 'link', 'show']);
  const byMac = new Map(
    (JSON.parse(links.stdout || '[]') as { ifname: string; address?: string }[]).map((l) => [l.address, l.ifname]),
  );
  return (segment) => {
    const ifname = byMac.get(NetworkSettings.Networks[networkOf(segment)]?.MacAddress);
    if (!ifname) throw new InfraError(`the router has no interface on segment ${segment.name}`);
    return ifname;
  };
}
