/**
 * `npm run bench:scale` (root): the largest labs the netns backend is asked to take. 5,000 hosts on
 * one segment are refused up front (a Linux bridge has at most 1,023 ports); 5,000 hosts spread
 * over five segments, and one host with 4,096 workloads, are built and removed. Writes
 * bench/results/scale.md and prints it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { createBackend } from '../src/backends/registry.js';
import { InfraError } from '../src/errors.js';
import { checkSize } from '../src/lab/preflight.js';
import type { LabSpec } from '../src/lab/spec.js';
import type { ScenarioInput } from '../src/index.js';
import { parseScenario } from '../src/steps/scenario.js';
import { resolveTopology } from '../src/topology/topology.js';
import { cycle } from './session.js';

const log = (message: string) => process.stderr.write(`${message}\n`);

/** `segments` segments of `hosts` hosts each, `workloads` workloads per host; static routing within each segment. */
function scale(name: string, segments: number, hosts: number, workloads: number): ScenarioInput {
  return {
    name,
    // One /16 per segment, 10.200.0.0/16 on: room for any number of hosts a bridge can take.
    segments: Array.from({ length: segments }, (_, s) => ({ name: `seg${s}`, subnet: `10.${200 + s}.0.0/16` })),
    hosts: Array.from({ length: segments * hosts }, (_, i) => {
      const [s, h] = [Math.floor(i / hosts), i % hosts];
      return {
        name: `h${i}`,
        segment: `seg${s}`,
        address: `10.${200 + s}.${(h + 2) >> 8}.${(h + 2) & 255}`,
        workloads: Array.from({ length: workloads }, (_, k) => {
          const n = h * workloads + k;
          return { name: `w${i}-${k}`, address: `10.${100 + s}.${Math.floor(n / 250)}.${(n % 250) + 2}` };
        }),
      };
    }),
  };
}

function spec(input: ScenarioInput): LabSpec {
  const scenario = parseScenario('bench/scale.ts', input);
  return { topology: resolveTopology(scenario), steps: [], scenarioFile: 'bench/scale.ts', backendOptions: {} };
}

async function main(): Promise<void> {
  const netns = createBackend('netns');
  await netns.preflight();
  const rows: string[] = [];

  const t = performance.now();
  const refused = checkSize(spec(scale('scale-one-segment', 1, 5000, 1)), netns.profile);
  const refusalMs = performance.now() - t;
  log(refused[0] ?? 'not refused');
  rows.push(
    `| 5,000 hosts × 1 workload, one segment | refused before anything is created, in ${Math.round(refusalMs)} ms (validation included) | — | — |`,
  );

  for (const [title, input] of [
    ['5,000 hosts × 1 workload, five segments of 1,000, static routes (999 per host)', scale('scale-5000', 5, 1000, 1)],
    ['1 host × 4,096 workloads', scale('scale-4096', 1, 1, 4096)],
  ] as const) {
    const rssBefore = process.memoryUsage().rss;
    let times;
    try {
      times = await cycle(
        netns,
        input,
        input.name,
        undefined,
        (m: string) => log(`  ${m.replace(/^h\d+ ready$/, '') || '.'}`.trimEnd()),
        'bench/scale.ts',
      );
    } catch (error) {
      if (error instanceof InfraError) log(error.message);
      throw error;
    }
    const { up, down, rss } = times;
    log(`${title}: up ${(up / 1000).toFixed(1)} s, down ${(down / 1000).toFixed(1)} s`);
    rows.push(
      `| ${title} | ${(up / 1000).toFixed(1)} s | ${(down / 1000).toFixed(1)} s | ${Math.round(Math.max(rss, rssBefore) / 2 ** 20)} MiB |`,
    );
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}`;
  const markdown = [
    '# testbed at scale (netns)',
    '',
    `${new Date().toISOString().slice(0, 10)}, ${machine}. One run each.`,
    '',
    '| lab | bring-up | teardown | testbed resident memory |',
    '|---|---|---|---|',
    ...rows,
    '',
    `The refusal: \`${refused[0] ?? ''}\``,
    '',
  ].join('\n');
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/scale.md', import.meta.url), markdown);
  process.stdout.write(markdown);
}

await main();
