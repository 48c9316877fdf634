import type Docker from 'dockerode';
import { basename } from 'node:path';
import type { LabPlan } from '../../dataplane/lab-plan.js';
import { InfraError, LabExistsError, TestbedError, UsageError } from '../../errors.js';
import { throwIfInterrupted } from '../../util/interrupt.js';
import { mapLimit, type ProcessResult, type RunOptions } from '../../util/process.js';
import { labState, type LabSummary } from '../backend.js';
import { ownerAlive } from '../../util/owner.js';
import { execCapture } from './exec.js';
import { claimName, dockerMessage, isHost, LABEL, workloadsOf } from './labels.js';
import { dockerProfile } from './profile.js';

/**
 * Removes containers of a lab from one engine: each container's endpoints dropped, then it is
 * killed and reaped before removal, a few at a time (piles of parallel force-removals make dockerd
 * 20.10 fail runc deletes).
 */
export async function removeContainers(
  docker: Docker,
  containers: Docker.ContainerInfo[],
  concurrency: number,
): Promise<void> {
  const dropped = dropEndpoints(
    docker,
    containers.filter((c) => c.State === 'running'),
  );
  // Each container from start to end on its own, so that one's calls overlap another's.
  await mapLimit(containers, concurrency, async (c) => {
    const container = docker.getContainer(c.Id);
    if (c.State === 'running') {
      await dropped.get(c.Id);
      await container.kill().catch(() => {});
      await container.wait({ condition: 'not-running' }).catch(() => {});
    }
    await container.remove({ v: true }).catch((error: { statusCode?: number }) => {
      // Gone already, or being removed by another `down` of the same lab right now.
      if (error.statusCode !== 404 && error.statusCode !== 409) throw new InfraError(`docker: ${dockerMessage(error)}`);
    });
  });
}

/**
 * Drops the containers' endpoints by forced disconnect: one network's one at a time, networks side
 * by side; resolves, per container, once all of its endpoints are gone. dockerd 20.10 loses count
 * of a network's endpoints when several of them go at once (moby#42119); the network then "has
 * active endpoints" with none left until dockerd restarts. Disconnected before it is killed, a
 * container has no endpoint left to remove. A forced disconnect also removes the endpoint of an
 * uplink a host renamed, which dockerd 20.10 would look for under its old name and leave behind.
 */
function dropEndpoints(docker: Docker, running: Docker.ContainerInfo[]): Map<string, Promise<void>> {
  const lastOf = new Map<string, Promise<void>>();
  const dropped = new Map<string, Promise<void>>();
  for (const c of running) {
    const networks = Object.keys(c.NetworkSettings?.Networks ?? {}).filter((n) => n !== 'none' && n !== 'host');
    const own = networks.map((network) => {
      const next = (lastOf.get(network) ?? Promise.resolve()).then(async () => {
        await docker
          .getNetwork(network)
          .disconnect({ Container: c.Id, Force: true })
          .catch(() => {});
      });
      lastOf.set(network, next);
      return next;
    });
    dropped.set(
      c.Id,
      Promise.all(own).then(() => {}),
    );
  }
  return dropped;
}

/** The labs that containers and networks carrying testbed's labels make up; host containers give the nodes. */
export function summarizeLabs(
  backend: string,
  containers: Docker.ContainerInfo[],
  networks: Docker.NetworkInspectInfo[],
): LabSummary[] {
  const labs = new Map<string, Omit<LabSummary, 'state'> & { ready: boolean; made: boolean; prober?: string }>();
  const entry = (lab: string) => {
    const found = labs.get(lab) ?? { lab, backend, nodes: [], ready: false, made: false };
    labs.set(lab, found);
    return found;
  };
  for (const c of containers) {
    const summary = entry(c.Labels[LABEL.lab]!);
    // A probe is the lab's only while nothing else of it exists: a run killed while it probed.
    if (c.Labels[LABEL.probe] !== undefined) {
      summary.prober ??= c.Labels[LABEL.probe];
      continue;
    }
    summary.made = true;
    if (isHost(c)) summary.nodes.push(c.Labels[LABEL.node]!, ...workloadsOf(c));
    if (c.Labels[LABEL.ready]) summary.ready = true;
    summary.scenario ??= c.Labels[LABEL.scenario];
    summary.created ??= c.Labels[LABEL.created];
    summary.owner ??= c.Labels[LABEL.owner];
  }
  // A lab whose build stopped before its containers existed still holds its networks.
  for (const n of networks) {
    const lab = n.Labels?.[LABEL.lab];
    if (!lab) continue;
    entry(lab).made = true;
    entry(lab).owner ??= n.Labels?.[LABEL.owner];
  }
  return [...labs.values()].map(({ ready, made, prober, ...l }) => {
    const owner = made ? l.owner : prober;
    return { ...l, ...(owner ? { owner } : {}), nodes: l.nodes.sort(), state: labState(ready, owner, ownerAlive) };
  });
}

/** Whether the host containers run `node` (as the host, or as one of its workloads). */
export function hostsHold(hosts: Docker.ContainerInfo[], node: string): boolean {
  return hosts.some((c) => c.Labels[LABEL.node] === node || workloadsOf(c).includes(node));
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
  if (owner)
    return { container: owner, argv: ['nsenter', `--net=${dockerProfile.namespacePath(lab, node)}`, '--', ...argv] };
  if (hosts.length === 0) throw new UsageError(`no lab named "${lab}" is running on the ${backend} backend`);
  const nodes = hosts.flatMap((c) => [c.Labels[LABEL.node]!, ...workloadsOf(c)]);
  throw new UsageError(`lab "${lab}" has no node "${node}" (nodes: ${nodes.join(', ')})`);
}

/** exec in a host container; a container that cannot run it (stopped, gone) is an unavailable node. */
export async function execInContainer(
  container: Docker.Container,
  node: string,
  argv: string[],
  options?: RunOptions,
): Promise<ProcessResult> {
  try {
    return await execCapture(container, argv, options);
  } catch (error) {
    if (error instanceof TestbedError) throw error;
    return { code: 125, stdout: '', stderr: `${node}: ${dockerMessage(error)}`, unavailable: true };
  }
}

/** The labels on everything of a lab: its name, where it came from, when, and its owner (if any). */
export function labLabels(plan: LabPlan, created: string, backend: string): Record<string, string> {
  return {
    [LABEL.lab]: plan.topology.lab,
    [LABEL.backend]: backend,
    [LABEL.scenario]: basename(plan.scenarioFile),
    [LABEL.created]: created,
    ...(plan.owner ? { [LABEL.owner]: plan.owner } : {}),
  };
}

/**
 * Claims a lab's name: a never-started container named after the lab. Container names are the
 * one thing Docker hands out exclusively, so of two builds of one name exactly one goes on.
 */
export async function claimLab(
  docker: Docker,
  lab: string,
  image: string,
  labels: Record<string, string>,
  backend: string,
): Promise<void> {
  try {
    await docker.createContainer({
      name: claimName(lab),
      Image: image,
      Cmd: ['true'],
      Labels: labels,
      HostConfig: { NetworkMode: 'none' },
    });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 409) throw new LabExistsError(lab, backend);
    throw error;
  }
}

/** Runs Docker API work; what Docker says becomes one line, `hint` adds what to do about it. */
export async function explainedDocker(
  backend: string,
  work: () => Promise<void>,
  hint: (message: string) => string = () => '',
): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (error instanceof TestbedError) throw error;
    throwIfInterrupted();
    const message = dockerMessage(error);
    throw new InfraError(`${backend}: ${message}${hint(message)}`);
  }
}
