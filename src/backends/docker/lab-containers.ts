import type Docker from 'dockerode';
import { InfraError, TestbedError, UsageError } from '../../errors.js';
import { mapLimit, type ProcessResult, type RunOptions } from '../../util/process.js';
import type { LabSummary } from '../backend.js';
import { handBackUplink } from './containers.js';
import { execCapture } from './exec.js';
import { dockerMessage, isHost, LABEL, workloadsOf } from './labels.js';

/**
 * Removes containers of a lab from one engine: uplinks handed back, then killed and reaped before
 * removal, a few at a time (piles of parallel force-removals make dockerd 20.10 fail runc
 * deletes and keep stale endpoints as well).
 */
export async function removeContainers(docker: Docker, containers: Docker.ContainerInfo[], concurrency: number): Promise<void> {
  const running = containers.filter((c) => c.State === 'running');
  await mapLimit(running, concurrency, (c) => handBackUplink(docker.getContainer(c.Id), c.Labels[LABEL.uplink]));
  await mapLimit(containers, concurrency, async (c) => {
    const container = docker.getContainer(c.Id);
    if (c.State === 'running') {
      await container.kill().catch(() => {});
      await container.wait({ condition: 'not-running' }).catch(() => {});
    }
    await container.remove({ v: true }).catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw new InfraError(`docker: ${dockerMessage(error)}`);
    });
  });
}

/** The labs that containers and networks carrying testbed's labels make up; host containers give the nodes. */
export function summarizeLabs(backend: string, containers: Docker.ContainerInfo[], networks: Docker.NetworkInspectInfo[]): LabSummary[] {
  const labs = new Map<string, LabSummary>();
  for (const c of containers.filter(isHost)) {
    const lab = c.Labels[LABEL.lab]!;
    const summary = labs.get(lab) ?? { lab, backend, nodes: [], scenario: c.Labels[LABEL.scenario], created: c.Labels[LABEL.created] };
    summary.nodes.push(c.Labels[LABEL.node]!, ...workloadsOf(c));
    labs.set(lab, summary);
  }
  // A lab whose build stopped before its hosts existed still holds its claim or its networks.
  for (const lab of [...containers.map((c) => c.Labels[LABEL.lab]), ...networks.map((n) => n.Labels?.[LABEL.lab])]) {
    if (lab && !labs.has(lab)) labs.set(lab, { lab, backend, nodes: [] });
  }
  return [...labs.values()].map((l) => ({ ...l, nodes: l.nodes.sort() }));
}

/** The host container that runs `node` and the command line that gets into its namespace. */
export function locateNode(
  hosts: Docker.ContainerInfo[],
  lab: string,
  node: string,
  argv: string[],
  backend: string,
): { container: Docker.ContainerInfo; argv: string[] } {
  const host = hosts.find((c) => c.Labels[LABEL.node] === node);
  if (host) return { container: host, argv };
  const owner = hosts.find((c) => workloadsOf(c).includes(node));
  if (owner) return { container: owner, argv: ['nsenter', `--net=/run/netns/${node}`, '--', ...argv] };
  if (hosts.length === 0) throw new UsageError(`no lab named "${lab}" is running on the ${backend} backend`);
  const nodes = hosts.flatMap((c) => [c.Labels[LABEL.node]!, ...workloadsOf(c)]);
  throw new UsageError(`lab "${lab}" has no node "${node}" (nodes: ${nodes.join(', ')})`);
}

/** exec in a host container; a container that cannot run it (stopped, gone) is an unavailable node. */
export async function execInContainer(container: Docker.Container, node: string, argv: string[], options?: RunOptions): Promise<ProcessResult> {
  try {
    return await execCapture(container, argv, options);
  } catch (error) {
    if (error instanceof TestbedError) throw error;
    return { code: 125, stdout: '', stderr: `${node}: ${dockerMessage(error)}`, unavailable: true };
  }
}
