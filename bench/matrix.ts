/**
 * `npm run bench:matrix` (root; docker where a daemon answers): the reachability matrix (every
 * ordered pair, one echo request each, ttl checked) for 10, 50, 100 and 300 workloads, beside its
 * floor, one `ping` process per pair (what the matrix did before the prober), in the same run and
 * the same lab: wall time, and CPU time per pair (all CPUs of the machine, from /proc/stat).
 * Writes bench/results/matrix.md.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import type { Backend } from '../src/backends/backend.js';
import { dockerAnswers } from '../src/backends/docker/client.js';
import { createBackend } from '../src/backends/registry.js';
import { runStep, stepContext } from '../src/steps/run-step.js';
import { nodeAddress, findNode, type Topology } from '../src/topology/topology.js';
import { mapLimit } from '../src/util/process.js';
import { gridScenario } from './grid.js';
import { openLab } from './session.js';

const SIZES = [
  { k: 10, n: 5, w: 2 },
  { k: 50, n: 10, w: 5 },
  { k: 100, n: 20, w: 5 },
  // 300 workloads (89,700 pairs) with `-- --large`: they need more ARP entries than the kernel's
  // default limit (gc_thresh3 1024) allows, and the matrix says so (see README, Benchmarks).
  ...(process.argv.includes('--large') ? [{ k: 300, n: 30, w: 10 }] : []),
];
/** Runs of each measurement; the median is reported (one for the largest labs). */
const RUNS = 3;
const log = (message: string) => process.stderr.write(`${message}\n`);

/** Busy CPU time of the whole machine so far, in ms (every core, from /proc/stat). */
function busyMs(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return (user! + nice! + system! + irq! + softirq! + steal!) * 10;
}

async function measureOnce(work: () => Promise<void>): Promise<{ ms: number; cpuMs: number }> {
  const [t, c] = [performance.now(), busyMs()];
  await work();
  return { ms: performance.now() - t, cpuMs: busyMs() - c };
}

/** The run of median CPU time among `runs`: the machine's background shows in single runs. */
async function measure(work: () => Promise<void>, runs: number): Promise<{ ms: number; cpuMs: number }> {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await measureOnce(work));
  return results.sort((a, b) => a.cpuMs - b.cpuMs)[Math.floor(runs / 2)]!;
}

/** The floor: from each source, one `ping -c 1` process per target, all at once, sources 8 at a time. */
async function floor(backend: Backend, topology: Topology): Promise<void> {
  const workloads = topology.workloads.map((w) => w.name);
  await mapLimit(workloads, 8, async (from) => {
    const targets = workloads.filter((w) => w !== from).map((w) => nodeAddress(findNode(topology, w)!));
    const script = targets.map((t) => `ping -n -c 1 -W 1 ${t} >/dev/null &`).join(' ') + ' wait';
    await backend.exec(topology.lab, from, ['sh', '-c', script], { timeoutMs: 60_000 });
  });
}

async function main(): Promise<void> {
  const backends: Backend[] = [createBackend('netns'), ...((await dockerAnswers()) ? [createBackend('docker')] : [])];
  const rows: string[] = [];
  for (const backend of backends) {
    for (const { k, n, w } of SIZES) {
      const { session, lab } = await openLab(backend, gridScenario(n, w), `bench-matrix-${k}`);
      const { topology } = lab.plan;
      await session.build(lab);
      try {
        const ctx = stepContext(backend, topology, []);
        let pairs = 0;
        // One warm-up each, so that neither pays for the first ARP of every pair.
        await runStep(
          ctx,
          { matrix: { count: 1, timeout: 1, family: 4 }, expect: { reachable: true, ttl: 'topology' } },
          0,
        );
        const runs = k >= 300 ? 1 : RUNS;
        const ours = await measure(async () => {
          const result = await runStep(
            ctx,
            { matrix: { count: 1, timeout: 1, family: 4 }, expect: { reachable: true, ttl: 'topology' } },
            0,
          );
          if (!result.passed)
            log(
              `matrix ${k} on ${backend.profile.name}: ${result.metrics.reached} of ${result.metrics.pairs} pairs answered`,
            );
          if (!result.passed) log(result.failures[0] ?? '');
          pairs = Number(result.metrics.pairs);
        }, runs);
        const theirs = await measure(() => floor(backend, topology), runs);
        const perPair = (cpuMs: number) => `${((cpuMs * 1000) / pairs).toFixed(0)} µs`;
        rows.push(
          `| ${backend.profile.name} | ${k} | ${pairs} | ${(ours.ms / 1000).toFixed(2)} s | ${perPair(ours.cpuMs)} | ${(theirs.ms / 1000).toFixed(2)} s | ${perPair(theirs.cpuMs)} | ${(theirs.cpuMs / Math.max(1, ours.cpuMs)).toFixed(1)}× |`,
        );
        log(rows.at(-1)!);
      } finally {
        await session.teardown(lab);
        // The kernel removes namespaces after `ip netns del` returns: let it finish before the next lab.
        await new Promise((r) => setTimeout(r, 5000));
      }
    }
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}`;
  const markdown = [
    '# The reachability matrix: one prober per host, beside one ping process per pair',
    '',
    `${new Date().toISOString().slice(0, 10)}, ${machine}. In the same lab, after a warm-up: the median of ${RUNS} runs by CPU time (one run at 300 workloads).`,
    '',
    '| backend | workloads | pairs | matrix | CPU per pair | floor (ping per pair) | floor CPU per pair | floor CPU / matrix CPU |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/matrix.md', import.meta.url), markdown);
  process.stdout.write(markdown);
}

await main();
