/**
 * `npm run bench:swarm` (root, Docker): bring-up and teardown of labs of 2, 10 and 30 hosts spread
 * over 1, 2 and 3 simulated machines (swarm backend), beside the docker backend on this engine and
 * the same number of plain containers started in parallel (`docker run` through the API) on this
 * engine and, over several machines, on an overlay of a Swarm made and left as a script would,
 * in one run, each with when its first and its last host were ready; and the memory each machine
 * holds while the largest lab runs. Writes bench/results/swarm.md
 * (with `--hosts`, swarm-<sizes>.md; with `--only swarm`, swarm-only-<sizes>.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { cpus, release, totalmem } from 'node:os';
import type { Backend } from '../src/backends/backend.js';
import { dockerClient } from '../src/backends/docker/client.js';
import { ensureHostImage, hostImage } from '../src/backends/docker/image.js';
import { connect, type Engine } from '../src/backends/swarm/engines.js';
import { createBackend } from '../src/backends/registry.js';
import { machineSimulator } from '../src/backends/swarm/machines.js';
import type { ScenarioInput } from '../src/steps/scenario.js';
import { mapLimit } from '../src/util/process.js';
import { gridScenario } from './grid.js';
import { cycle } from './session.js';
import { figure, show, type Figure } from './stats.js';

/** `--hosts 30,100,300`, `--machines 3`, `--reps 1`: which sizes, machine counts and repetitions. */
const listArg = (name: string, fallback: number[]) => {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : process.argv[at + 1]!.split(',').map(Number);
};
const [REPS] = listArg('reps', [2]) as [number];
const HOSTS = listArg('hosts', [2, 10, 30]);
const MACHINES = listArg('machines', [1, 2, 3]);
/** `--only swarm`: leave out this engine's rows (plain and docker backend), e.g. to measure swarm alone at sizes this engine has been measured at. */
const SWARM_ONLY = process.argv.includes('--only') && process.argv[process.argv.indexOf('--only') + 1] === 'swarm';
const log = (message: string) => process.stderr.write(`${message}\n`);

const grid = (n: number): [ScenarioInput, string] => [gridScenario(n, 1), `bench-swarm-${n}`];

/** Bring-up and teardown of one lab, and when its first and its last host were ready (from the start of the build). */
interface Timed {
  up: number;
  down: number;
  firstReady: number;
  lastReady: number;
}

/** The first and the last of the times (performance.now()) hosts became ready, from `started`. */
function readySpan(times: number[], started: number): Pick<Timed, 'firstReady' | 'lastReady'> {
  return { firstReady: Math.min(...times) - started, lastReady: Math.max(...times) - started };
}

async function timed(backend: Backend, n: number): Promise<Timed> {
  const ready: number[] = [];
  // The build says "<host> ready" once a host's plan is applied; the lab is up once the segments connect too.
  const t = await cycle(backend, ...grid(n), undefined, (message) => {
    if (/^\S+ ready$/.test(message)) ready.push(performance.now());
  });
  return { up: t.up, down: t.down, ...readySpan(ready, t.started) };
}

/** N plain containers of the host image on an internal network, started in parallel, then removed. */
async function plainRun(n: number): Promise<Timed> {
  const docker = dockerClient();
  const image = await ensureHostImage(docker, () => {});
  const network = await docker.createNetwork({
    Name: 'bench-plain',
    Internal: true,
    IPAM: { Config: [{ Subnet: '10.253.0.0/16' }] },
  });
  const t0 = performance.now();
  const ready: number[] = [];
  const containers = await startPlain(
    docker,
    image,
    Array.from({ length: n }, (_, i) => i),
    ready,
  );
  const up = performance.now() - t0;
  const t1 = performance.now();
  await removePlain(network, containers);
  await network.remove();
  return { up, down: performance.now() - t1, ...readySpan(ready, t0) };
}

/** Plain containers `bench-plain-<i>` of the host image on the network bench-plain, 8 at a time; when each started goes to `ready`. */
async function startPlain(
  docker: Docker,
  image: string,
  indexes: number[],
  ready: number[],
): Promise<Docker.Container[]> {
  return mapLimit(indexes, 8, async (i) => {
    const c = await docker.createContainer({
      name: `bench-plain-${i}`,
      Image: image,
      Cmd: ['sleep', 'infinity'],
      HostConfig: { NetworkMode: 'bench-plain', Init: true, CapAdd: ['NET_ADMIN', 'SYS_ADMIN', 'NET_RAW'] },
    });
    await c.start();
    ready.push(performance.now());
    return c;
  });
}

/**
 * Disconnected, killed, then removed, 8 at a time: at a hundred containers and more, force-removals
 * (and kill-then-remove at 300) leave dockerd 20.10 with stale endpoints and a network it cannot remove.
 */
async function removePlain(network: Docker.Network, containers: Docker.Container[]): Promise<void> {
  await mapLimit(containers, 8, async (c) => {
    await network.disconnect({ Container: c.id, Force: true });
    await c.kill();
    await c.wait({ condition: 'not-running' });
    await c.remove();
  });
}

/**
 * The floor across engines, as a script would do it without testbed: a Swarm made (init, joins,
 * its ingress network removed as testbed does), an attachable internal overlay, N plain
 * containers round robin; then removed, the overlay removed, and the engines leaving the Swarm.
 */
async function plainSwarm(n: number, urls: string[]): Promise<Timed> {
  const engines = urls.map((url, i) => connect(url, i));
  const [manager, ...workers] = engines as [Engine, ...Engine[]];
  const image = hostImage();
  const t0 = performance.now();
  const ready: number[] = [];
  await manager.docker.swarmInit({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: manager.address });
  await manager.docker.getNetwork('ingress').remove();
  const { JoinTokens } = (await manager.docker.swarmInspect()) as { JoinTokens: { Worker: string } };
  await Promise.all(
    workers.map((w) =>
      w.docker.swarmJoin({
        ListenAddr: '0.0.0.0:2377',
        AdvertiseAddr: w.address,
        RemoteAddrs: [`${manager.address}:2377`],
        JoinToken: JoinTokens.Worker,
      }),
    ),
  );
  await manager.docker.createNetwork({
    Name: 'bench-plain',
    Driver: 'overlay',
    Attachable: true,
    Internal: true,
    IPAM: { Config: [{ Subnet: '10.253.0.0/16' }] },
  });
  const placed = engines.map((engine, e) => ({
    engine,
    indexes: Array.from({ length: n }, (_, i) => i).filter((i) => i % engines.length === e),
  }));
  const started = await Promise.all(
    placed.map(async ({ engine, indexes }) => ({
      network: engine.docker.getNetwork('bench-plain'),
      containers: await startPlain(engine.docker, image, indexes, ready),
    })),
  );
  const up = performance.now() - t0;
  const t1 = performance.now();
  await Promise.all(started.map(({ network, containers }) => removePlain(network, containers)));
  await manager.docker.getNetwork('bench-plain').remove();
  // One at a time, as testbed does: leaving side by side makes dockerd 20.10 keep its gossip port (moby#47859).
  for (const e of [...workers, manager]) await e.docker.swarmLeave({ force: true });
  return { up, down: performance.now() - t1, ...readySpan(ready, t0) };
}

async function machineMemory(): Promise<number[]> {
  const docker = dockerClient();
  const machines = await machineSimulator.list();
  return Promise.all(
    machines.map(async (m) => {
      const stats = (await docker.getContainer(m.name).stats({ stream: false })) as {
        memory_stats: { usage: number; stats?: { cache?: number } };
      };
      return stats.memory_stats.usage - (stats.memory_stats.stats?.cache ?? 0);
    }),
  );
}

async function main(): Promise<void> {
  const started = performance.now();
  const machines = await machineSimulator.up(Math.max(...MACHINES), (m) => log(m));
  const rows: ({ n: number; label: string } & Record<keyof Timed, Figure>)[] = [];
  let memory: number[] = [];
  for (const n of HOSTS) {
    const measure = async (label: string, run: () => Promise<Timed>) => {
      const runs: Timed[] = [];
      for (let r = 0; r < REPS; r++) runs.push(await run());
      const of = (key: keyof Timed) => figure(runs.map((t) => t[key]));
      const row = {
        n,
        label,
        firstReady: of('firstReady'),
        lastReady: of('lastReady'),
        up: of('up'),
        down: of('down'),
      };
      rows.push(row);
      log(
        `${n} hosts, ${label}: hosts ready ${show(row.firstReady)} to ${show(row.lastReady)}, up ${show(row.up)}, down ${show(row.down)}`,
      );
    };
    if (!SWARM_ONLY) {
      await measure('plain parallel docker run, this engine', () => plainRun(n));
      await measure('docker backend, this engine', () => timed(createBackend('docker'), n));
    }
    for (const count of MACHINES) {
      const engines = machines.slice(0, count).map((m) => m.urls[0]!);
      if (count > 1) await measure(`plain containers on an overlay, ${count} machines`, () => plainSwarm(n, engines));
      const backend = createBackend('swarm', { engine: engines });
      await measure(`swarm, ${count} machine${count > 1 ? 's' : ''}`, () => timed(backend, n));
      if (n === Math.max(...HOSTS) && count === Math.max(...MACHINES)) {
        await cycle(backend, ...grid(n), async () => {
          memory = await machineMemory();
        });
      }
    }
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}`;
  const markdown = [
    '# testbed across engines (swarm backend, simulated machines)',
    '',
    `${new Date().toISOString().slice(0, 10)}, ${machine}. Median of ${REPS} runs (min–max). Hosts × 1 workload, static routing, one segment. A host is ready once its plan is applied (plain: once its container started), counted from the start of the build; a lab is up once its segments connect (swarm: each overlay proven by pings).`,
    '',
    '| hosts | how | first host ready | last host ready | up | down |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) => `| ${r.n} | ${r.label} | ${show(r.firstReady)} | ${show(r.lastReady)} | ${show(r.up)} | ${show(r.down)} |`,
    ),
    '',
    `Memory per machine (dockerd, containerd, the lab's containers) with a ${Math.max(...HOSTS)}-host lab spread over ${Math.max(...MACHINES)} machines: ${memory.map((b) => `${(b / 2 ** 20).toFixed(0)} MiB`).join(', ')}. Whole bench: ${Math.round((performance.now() - started) / 1000)} s.`,
    '',
  ].join('\n');
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  // A run of chosen sizes keeps the default run's table: it writes a file named after its sizes.
  const sizes = `${SWARM_ONLY ? 'only-' : ''}${HOSTS.join('-')}`;
  const file = process.argv.includes('--hosts') ? `swarm-${sizes}.md` : 'swarm.md';
  writeFileSync(new URL(`./results/${file}`, import.meta.url), markdown);
  process.stdout.write(markdown);
  await machineSimulator.down((m) => log(m));
}

await main();
