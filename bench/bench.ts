/**
 * `npm run bench [-- --quick]`: how fast testbed builds, checks and removes labs, beside the floor
 * (bench/floor.sh: the same dataplane as a plain ip -batch script) and Mininet, all in one run so
 * the ratios compare like with like. Writes bench/results/latest.{json,md} and bring-up.svg.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { dockerClient, pingDocker } from '../src/backends/docker/client.js';
import { createBackend } from '../src/backends/registry.js';
import type { ScenarioInput } from '../src/steps/scenario.js';
import { runStep, stepContext } from '../src/steps/run-step.js';
import { runProcess } from '../src/util/process.js';
import { lineChart } from './chart.js';
import { gridScenario } from './grid.js';
import { cycle } from './session.js';
import { figure, ratio, show, type Figure } from './stats.js';

const quick = process.argv.includes('--quick');
/** `--only netns|docker|matrix|bgp` runs one section. */
const only = process.argv[process.argv.indexOf('--only') + 1];
const section = (name: string) => !process.argv.includes('--only') || only === name;
const REPS = quick ? 3 : 5;
const NS = [2, 10, 50, 100];
const WS = [1, 4];
const DOCKER_NS = quick ? [2, 10] : [2, 10, 50];
const MATRIX = [
  { k: 10, n: 5, w: 2 },
  { k: 50, n: 25, w: 2 },
  { k: 100, n: 25, w: 4 },
];
const BGP_NS = [3, 10, 30];
const RESULTS = new URL('./results/', import.meta.url);

const log = (message: string) => process.stderr.write(`${message}\n`);

/** A grid lab of n hosts with w workloads each, and the name it is built under. */
function grid(n: number, w: number, routing: 'static' | 'bgp' = 'static', reflector = false): [ScenarioInput, string] {
  return [
    gridScenario(n, w, routing, reflector),
    `bench-${n}x${w}${routing === 'bgp' ? (reflector ? '-rr' : '-mesh') : ''}`,
  ];
}

async function floor(n: number, w: number): Promise<{ up: number; down: number }> {
  const result = await runProcess('bash', [new URL('./floor.sh', import.meta.url).pathname, String(n), String(w)]);
  const m = /setup_ms=(\d+) teardown_ms=(\d+)/.exec(result.stdout);
  if (!m) throw new Error(`floor.sh ${n} ${w}: ${result.stderr}`);
  return { up: Number(m[1]), down: Number(m[2]) };
}

async function mininetAvailable(): Promise<boolean> {
  if ((await runProcess('sh', ['-c', 'command -v mn && command -v brctl'])).code === 0) return true;
  if (process.getuid?.() !== 0) return false;
  log('installing mininet and bridge-utils from the distribution');
  const install = await runProcess('sh', ['scripts/install-deps.sh', '--bench']);
  return install.code === 0;
}

/** Mininet's whole run: build N hosts on one Linux bridge, no controller, no test, tear down. */
async function mininet(n: number): Promise<number> {
  const t0 = performance.now();
  const result = await runProcess('mn', [
    '--switch',
    'lxbr',
    '--controller',
    'none',
    '--topo',
    `single,${n}`,
    '--test',
    'none',
  ]);
  if (result.code !== 0) throw new Error(`mn: ${result.stderr.trim().split('\n').at(-1)}`);
  return performance.now() - t0;
}

async function dockerAvailable(): Promise<boolean> {
  try {
    await pingDocker(dockerClient());
    return true;
  } catch {
    return false;
  }
}

/** Resident memory of the processes in a host container (docker top), median over a sample of hosts. */
async function dockerMemoryPerHost(lab: string): Promise<number> {
  const docker = dockerClient();
  const containers = await docker.listContainers({ filters: { label: [`testbed.lab=${lab}`] } });
  const usage: number[] = [];
  // A sample of three, one after another: every host runs the same processes.
  for (const c of containers.slice(0, 3)) {
    const top = (await docker.getContainer(c.Id).top({ ps_args: '-o pid,rss' })) as {
      Titles: string[];
      Processes: string[][];
    };
    const column = top.Titles.indexOf('RSS');
    usage.push(top.Processes.reduce((sum, p) => sum + Number(p[column]) * 1024, 0));
  }
  return figure(usage).median;
}

/**
 * Removing hundreds of namespaces finishes in the kernel after `ip netns del` returns; let that
 * work end before the next measurement, so no lab pays for the one before it.
 */
const settle = (n: number) => new Promise((r) => setTimeout(r, n >= 50 ? 1000 : 100));

interface BringUp {
  n: number;
  w: number;
  testbedUp: Figure;
  testbedDown: Figure;
  floorUp?: Figure;
  floorDown?: Figure;
  mininet?: Figure;
  memoryPerHostBytes?: number;
}

async function main(): Promise<void> {
  const started = performance.now();
  const netns = createBackend('netns');
  await netns.preflight();
  const withDocker = await dockerAvailable();
  const withMininet = await mininetAvailable();
  const ipVersion = (await runProcess('ip', ['-V'])).stdout.trim();
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version}, ${ipVersion}`;
  log(`testbed bench${quick ? ' --quick' : ''}: ${REPS} repetitions; ${machine}`);

  const netnsRows: BringUp[] = [];
  let peakRss = 0;
  for (const n of section('netns') ? NS : []) {
    for (const w of WS) {
      const runs = {
        up: [] as number[],
        down: [] as number[],
        floorUp: [] as number[],
        floorDown: [] as number[],
        mn: [] as number[],
      };
      for (let r = 0; r < REPS; r++) {
        // Alternate who goes first, so neither always inherits the other's leftovers.
        const ours = async () => {
          await settle(n);
          const t = await cycle(netns, ...grid(n, w));
          runs.up.push(t.up);
          runs.down.push(t.down);
          peakRss = Math.max(peakRss, t.rss);
        };
        const theirs = async () => {
          await settle(n);
          const f = await floor(n, w);
          runs.floorUp.push(f.up);
          runs.floorDown.push(f.down);
        };
        for (const run of r % 2 ? [theirs, ours] : [ours, theirs]) await run();
        if (withMininet && w === 1) runs.mn.push(await mininet(n));
      }
      const row: BringUp = {
        n,
        w,
        testbedUp: figure(runs.up),
        testbedDown: figure(runs.down),
        floorUp: figure(runs.floorUp),
        floorDown: figure(runs.floorDown),
        ...(runs.mn.length ? { mininet: figure(runs.mn) } : {}),
      };
      netnsRows.push(row);
      log(
        `netns ${n}x${w}: up ${show(row.testbedUp)} (floor ${show(row.floorUp)}), down ${show(row.testbedDown)} (floor ${show(row.floorDown)})${row.mininet ? `, Mininet ${show(row.mininet)}` : ''}`,
      );
    }
  }

  const dockerRows: BringUp[] = [];
  if (withDocker && section('docker')) {
    const docker = createBackend('docker');
    for (const n of DOCKER_NS) {
      for (const w of quick ? [1] : WS) {
        const up: number[] = [];
        const down: number[] = [];
        let memory = 0;
        for (let r = 0; r < REPS; r++) {
          // dockerd needs a moment to let go of a big lab's endpoints before the next one.
          await new Promise((resolve) => setTimeout(resolve, n >= 50 ? 3000 : 500));
          const t = await cycle(docker, ...grid(n, w), (lab) => dockerMemoryPerHost(lab.plan.topology.lab));
          up.push(t.up);
          down.push(t.down);
          memory = t.value ?? memory;
        }
        const row: BringUp = { n, w, testbedUp: figure(up), testbedDown: figure(down), memoryPerHostBytes: memory };
        dockerRows.push(row);
        log(
          `docker ${n}x${w}: up ${show(row.testbedUp)}, down ${show(row.testbedDown)}, ${(memory / 2 ** 20).toFixed(1)} MiB per host`,
        );
      }
    }
  }

  const matrixRows = [];
  for (const { k, n, w } of section('matrix') ? MATRIX : []) {
    const times = await cycle(netns, ...grid(n, w), async (lab) => {
      const runs: number[] = [];
      let pairs = 0;
      for (let r = 0; r < REPS; r++) {
        const result = await runStep(
          stepContext(netns, lab.plan.topology, []),
          { matrix: { count: 1, timeout: 1, family: 4 }, expect: { reachable: true, ttl: 'topology' } },
          0,
        );
        if (!result.passed) throw new Error(`matrix ${k}: ${result.failures.join('; ')}`);
        runs.push(Number(result.metrics.matrixMs));
        pairs = Number(result.metrics.pairs);
      }
      return { pairs, time: figure(runs) };
    });
    matrixRows.push({ k, ...times.value! });
    log(`matrix ${k} workloads: ${times.value!.pairs} pairs in ${show(times.value!.time)}`);
  }

  const bgpRows = [];
  for (const n of section('bgp') ? BGP_NS : []) {
    const row: { n: number; mesh?: Figure; reflector?: Figure } = { n };
    for (const reflector of [false, true]) {
      const runs: number[] = [];
      for (let r = 0; r < REPS; r++) {
        const t = await cycle(netns, ...grid(n, 1, 'bgp', reflector), async (lab) => {
          const result = await runStep(
            stepContext(netns, lab.plan.topology, []),
            { bgp: { routes: true }, within: 60 },
            0,
          );
          if (!result.passed) throw new Error(`bgp ${n}: ${result.failures.join('; ')}`);
          return Number(result.metrics.sinceLabReadyMs);
        });
        runs.push(t.value!);
      }
      row[reflector ? 'reflector' : 'mesh'] = figure(runs);
    }
    bgpRows.push(row);
    log(`bgp ${n} hosts: mesh ${show(row.mesh)}, reflector ${show(row.reflector)}`);
  }

  const results = {
    date: new Date().toISOString(),
    quick,
    repetitions: REPS,
    machine,
    netns: netnsRows,
    docker: dockerRows,
    matrix: matrixRows,
    bgp: bgpRows,
    testbedPeakRssBytes: peakRss,
    totalSeconds: Math.round((performance.now() - started) / 1000),
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(new URL('latest.json', RESULTS), `${JSON.stringify(results, null, 2)}\n`);
  const markdown = renderMarkdown(results);
  writeFileSync(new URL('latest.md', RESULTS), markdown);
  writeFileSync(new URL('bring-up.svg', RESULTS), bringUpChart(netnsRows));
  process.stdout.write(markdown);
}

function bringUpChart(rows: BringUp[]): string {
  const line = (w: number, pick: (r: BringUp) => Figure | undefined) =>
    rows.filter((r) => r.w === w && pick(r)).map((r) => ({ n: r.n, figure: pick(r)! }));
  return lineChart(
    'Bring-up time on netns (median, min–max)',
    [
      { label: 'testbed, W=1', color: '#1f77b4', points: line(1, (r) => r.testbedUp) },
      { label: 'testbed, W=4', color: '#1f77b4', dashed: true, points: line(4, (r) => r.testbedUp) },
      { label: 'floor, W=1', color: '#2ca02c', points: line(1, (r) => r.floorUp) },
      { label: 'floor, W=4', color: '#2ca02c', dashed: true, points: line(4, (r) => r.floorUp) },
      { label: 'Mininet (up+down)', color: '#d62728', points: line(1, (r) => r.mininet) },
    ].filter((s) => s.points.length > 0),
    NS,
  );
}

function renderMarkdown(r: {
  date: string;
  machine: string;
  repetitions: number;
  netns: BringUp[];
  docker: BringUp[];
  matrix: { k: number; pairs: number; time: Figure }[];
  bgp: { n: number; mesh?: Figure; reflector?: Figure }[];
  testbedPeakRssBytes: number;
  totalSeconds: number;
}): string {
  const lines = [
    `# testbed benchmark`,
    '',
    `${r.date.slice(0, 10)}, ${r.machine}. Median of ${r.repetitions} runs (min–max); every ratio is taken within this one run.`,
    '',
    '## Bring-up and teardown on netns (static routing)',
    '',
    '| N × W | testbed up | floor up | up vs floor | testbed down | floor down | down vs floor | Mininet up+down | testbed vs Mininet |',
    '|---|---|---|---|---|---|---|---|---|',
    ...r.netns.map(
      (x) =>
        `| ${x.n} × ${x.w} | ${show(x.testbedUp)} | ${show(x.floorUp)} | ${ratio(x.testbedUp, x.floorUp)} | ${show(x.testbedDown)} | ${show(x.floorDown)} | ${ratio(x.testbedDown, x.floorDown)} | ${show(x.mininet)} | ${x.mininet ? ratio(figure([x.testbedUp.median + x.testbedDown.median]), x.mininet) : '—'} |`,
    ),
    '',
    'Floor: `bench/floor.sh`, the same namespaces, links, addresses, routes and sysctls as one `ip -batch` per namespace, hosts in sequence, batch files written before the clock starts. Mininet: `mn --switch lxbr --controller none --topo single,N --test none` (hosts with one interface each, so W = 1 only), its whole run.',
    '',
  ];
  if (r.docker.length > 0) {
    lines.push(
      '## Bring-up and teardown on docker',
      '',
      '| N × W | up | down | memory per host |',
      '|---|---|---|---|',
      ...r.docker.map(
        (x) =>
          `| ${x.n} × ${x.w} | ${show(x.testbedUp)} | ${show(x.testbedDown)} | ${((x.memoryPerHostBytes ?? 0) / 2 ** 20).toFixed(1)} MiB |`,
      ),
      '',
    );
  }
  lines.push(
    '## Reachability matrix (netns, every ordered pair, one ping each, ttl checked)',
    '',
    '| workloads | pairs | time |',
    '|---|---|---|',
    ...r.matrix.map((x) => `| ${x.k} | ${x.pairs} | ${show(x.time)} |`),
    '',
    '## BGP convergence (netns, from lab ready to every session Established and every route in every kernel)',
    '',
    '| hosts | full mesh | one reflector |',
    '|---|---|---|',
    ...r.bgp.map((x) => `| ${x.n} | ${show(x.mesh)} | ${show(x.reflector)} |`),
    '',
    `testbed process resident memory at its largest netns lab: ${(r.testbedPeakRssBytes / 2 ** 20).toFixed(0)} MiB. Whole bench: ${r.totalSeconds} s.`,
    '',
  );
  return lines.join('\n');
}

if (process.argv.includes('--chart-only')) {
  // Redraws the chart from the last results, without measuring.
  const results = JSON.parse(readFileSync(new URL('latest.json', RESULTS), 'utf8')) as { netns: BringUp[] };
  writeFileSync(new URL('bring-up.svg', RESULTS), bringUpChart(results.netns));
} else {
  await main();
}
