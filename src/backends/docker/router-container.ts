import type Docker from 'dockerode';
import type { LabPlan } from '../../dataplane/lab-plan.js';
import { FABRIC } from '../../dataplane/ops.js';
import { renderScript } from '../../dataplane/render.js';
import { InfraError } from '../../errors.js';
import type { Segment } from '../../topology/topology.js';
import { outputTail } from '../../util/process.js';
import type { Progress } from '../backend.js';
import { routerContainerSpec } from './containers.js';
import { execCapture } from './exec.js';
import { networkName } from './labels.js';
import { routerLinks } from './router.js';
import { dockerProfile } from './profile.js';

/** The router between the segments: on every segment's network at its gateway, then set up by the lab plan's fabric part. */
export async function startRouter(
  docker: Docker,
  plan: LabPlan,
  image: string,
  labels: Record<string, string>,
  progress: Progress,
): Promise<void> {
  const { lab, segments } = plan.topology;
  progress(`starting the router between ${segments.map((s) => s.name).join(', ')}`);
  const [first, ...rest] = segments;
  const container = await docker.createContainer(
    routerContainerSpec(lab, image, labels, networkName(lab, first!.name), first!.gateway),
  );
  for (const segment of rest) {
    await docker
      .getNetwork(networkName(lab, segment.name))
      .connect({ Container: container.id, EndpointConfig: { IPAMConfig: { IPv4Address: segment.gateway } } });
  }
  await container.start();
  const links = routerLinks(plan.topology, await interfacesOf(container, lab));
  const script = renderScript([...links, ...plan.fabric!.sections], FABRIC, (node) => node, {
    createNamespaces: false,
    pathOf: (node) => dockerProfile.namespacePath(lab, node),
  });
  const result = await execCapture(container, ['sh', '-s'], { input: script });
  if (result.code !== 0) throw new InfraError(`setting up the router: ${outputTail(result) || `exit ${result.code}`}`);
}

/** Which interface of a container is on a segment's network: the one with the MAC Docker gave that endpoint. */
async function interfacesOf(container: Docker.Container, lab: string): Promise<(segment: Segment) => string> {
  const { NetworkSettings } = await container.inspect();
  const links = await execCapture(container, ['ip', '-j', 'link', 'show']);
  const byMac = new Map(
    (JSON.parse(links.stdout || '[]') as { ifname: string; address?: string }[]).map((l) => [l.address, l.ifname]),
  );
  return (segment) => {
    const ifname = byMac.get(NetworkSettings.Networks[networkName(lab, segment.name)]?.MacAddress);
    if (!ifname) throw new InfraError(`the router has no interface on segment ${segment.name}`);
    return ifname;
  };
}
