import type Docker from 'dockerode';
import { dockerClient, pingDocker } from '../src/backends/docker/client.js';
import { ensureHostImage } from '../src/backends/docker/image.js';
import { runProcess } from '../src/util/process.js';
import { leftovers, machineResources, type MachineResources } from './leftovers.js';

/**
 * Builds the docker backend's host image once, before any test file needs it. Under CI, where a
 * run has the machine to itself, it then fails the run if the tests left anything on the machine
 * (and removes it, so the next run starts clean); elsewhere another run's labs would count.
 */
export default async function setup(): Promise<() => Promise<void>> {
  let docker: Docker | undefined = dockerClient();
  try {
    await pingDocker(docker);
  } catch {
    docker = undefined;
  }
  if (docker) await ensureHostImage(docker, (m) => console.log(`[global setup] ${m}`));
  if (!process.env.CI) return async () => {};
  const before = await machineResources(docker);
  return async () => {
    const left = leftovers(before, await machineResources(docker));
    if (left.length === 0) return;
    await removeLeftovers(docker, left);
    // vitest only prints what a teardown throws; the exit code is what CI sees.
    process.exitCode = 1;
    throw new Error(`the tests left ${left.length} things on the machine (now removed):\n  ${left.join('\n  ')}`);
  };
}

async function removeLeftovers(docker: Docker | undefined, left: string[]): Promise<void> {
  const of = (kind: keyof MachineResources) =>
    left.filter((l) => l.startsWith(`${kind}: `)).map((l) => l.slice(kind.length + 2));
  // Containers before their networks, and both before links (a network's bridge is one).
  if (docker) {
    for (const container of of('containers'))
      await docker
        .getContainer(container.replace(/.*\((\w+)\)$/, '$1'))
        .remove({ force: true, v: true })
        .catch(() => {});
    for (const network of of('networks'))
      await docker
        .getNetwork(network)
        .remove()
        .catch(() => {});
    for (const volume of of('volumes'))
      await docker
        .getVolume(volume)
        .remove()
        .catch(() => {});
  }
  for (const namespace of of('namespaces')) {
    const pids = (await runProcess('ip', ['netns', 'pids', namespace])).stdout.split('\n').filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // ended meanwhile
      }
    }
    await runProcess('ip', ['netns', 'del', namespace]);
  }
  for (const link of of('links')) await runProcess('ip', ['link', 'del', link]);
}
