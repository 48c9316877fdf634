import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Backend, Progress } from '../backends/backend.js';
import type { LabPlan } from '../dataplane/lab-plan.js';
import { InterruptedError } from '../errors.js';
import { workloadAddresses, type Topology } from '../topology/topology.js';
import { mapLimit, runChecked, type ProcessResult } from '../util/process.js';
import { shellWord } from '../util/shell-words.js';

/** One file of a node's folder: what it holds, and the command that writes it. */
interface Item {
  file: string;
  what: string;
  argv: string[];
}

/** A node to collect: its folder's name, its files, and for a host its log where the backend keeps one. */
interface NodeJob {
  name: string;
  items: Item[];
  log?: () => Promise<string>;
}

/**
 * One command for every key: /proc/sys/net shows the namespace of whoever reads it, and a node
 * with hundreds of interfaces would otherwise take hundreds of execs. Lines as sysctl prints them.
 */
const SYSCTL_SCRIPT = [
  'cd /proc/sys || exit 1',
  `show() { for f; do [ -r "$f" ] && printf '%s = %s\\n' "$(printf %s "$f" | tr / .)" "$(cat "$f")"; done; return 0; }`,
  'show net/ipv4/ip_forward',
  'for d in net/ipv4/conf/*; do show "$d/proxy_arp" "$d/rp_filter" "$d/forwarding"; done',
  'for d in net/ipv6/conf/*; do show "$d/forwarding"; done',
].join('; ');

const NODE_ITEMS: Item[] = [
  { file: 'ip-addr.txt', what: 'the addresses of every interface', argv: ['ip', 'addr', 'show'] },
  { file: 'ip-route.txt', what: 'the IPv4 routes', argv: ['ip', '-4', 'route', 'show'] },
  { file: 'ip-6-route.txt', what: 'the IPv6 routes', argv: ['ip', '-6', 'route', 'show'] },
  { file: 'ip-neigh.txt', what: 'the IPv4 neighbours (ARP)', argv: ['ip', '-4', 'neigh', 'show'] },
  { file: 'ip-6-neigh.txt', what: 'the IPv6 neighbours', argv: ['ip', '-6', 'neigh', 'show'] },
  { file: 'ip-s-link.txt', what: 'the links, with details and counters', argv: ['ip', '-s', '-d', 'link', 'show'] },
  {
    file: 'sysctl.txt',
    what: 'forwarding, and per interface proxy_arp, rp_filter and forwarding',
    argv: ['sh', '-c', SYSCTL_SCRIPT],
  },
];

/** Asked of each host's own BIRD through its control socket, as the bgp step asks it. */
const BIRD_ITEMS = [
  {
    file: 'bird-protocols.txt',
    what: "BIRD's protocols, with each BGP session's state",
    birdc: ['show', 'protocols', 'all'],
  },
  { file: 'bird-route.txt', what: "BIRD's routes", birdc: ['show', 'route'] },
];
const BIRD_CONFIG = { file: 'bird.conf', what: "BIRD's configuration, as testbed wrote it" };

const LOG_FILE = 'container.log';
const FIREWALL_FILE = 'firewall-rules.txt';
/** A command that hangs (a node that stopped answering) gives up its file rather than the bundle. */
const COMMAND_TIMEOUT_MS = 20_000;

/** Writes the running lab's state into `dir` (created if needed): one folder per host and per workload. */
export async function collectLabState(backend: Backend, plan: LabPlan, dir: string, progress: Progress): Promise<void> {
  const { topology } = plan;
  const started = new Date();
  const jobs = nodeJobs(backend, topology);
  progress(`collecting the state of ${jobs.length} nodes into ${dir}`);
  await mkdir(dir, { recursive: true });
  await Promise.all([
    mapLimit(jobs, backend.profile.hostConcurrency, (job) => collectNode(backend, topology.lab, job, dir)),
    collectFirewall(backend, topology.lab, dir),
  ]);
  await writeFile(join(dir, 'README.txt'), readme(backend, plan, jobs, started));
}

/** Packs `dir` into a gzipped tar at `archive` (absolute path); removes nothing. */
export async function packEvidence(dir: string, archive: string): Promise<void> {
  const file = resolve(archive);
  await mkdir(dirname(file), { recursive: true });
  await runChecked(`packing ${dir} into ${file}`, 'tar', ['-czf', file, '-C', dir, '.']);
}

function nodeJobs(backend: Backend, topology: Topology): NodeJob[] {
  const hosts = topology.hosts.map((host): NodeJob => {
    const { socket, config } = backend.profile.birdPaths(topology.lab, host.name);
    // The configuration too: where BIRD refused it, the lab never came up, and birdc finds no BIRD.
    const bird =
      topology.routing === 'bgp'
        ? [
            ...BIRD_ITEMS.map((i) => ({ ...i, argv: ['birdc', '-s', socket, ...i.birdc] })),
            { ...BIRD_CONFIG, argv: ['cat', config] },
          ]
        : [];
    const hostLogs = backend.hostLogs?.bind(backend);
    return {
      name: host.name,
      items: [...NODE_ITEMS, ...bird],
      ...(hostLogs ? { log: () => hostLogs(topology.lab, host.name) } : {}),
    };
  });
  return [...hosts, ...topology.workloads.map((w) => ({ name: w.name, items: NODE_ITEMS }))];
}

async function collectNode(backend: Backend, lab: string, job: NodeJob, dir: string): Promise<void> {
  const folder = join(dir, job.name);
  await mkdir(folder, { recursive: true });
  for (const item of job.items) {
    const header = `$ ${item.argv.map(shellWord).join(' ')}\n`;
    const body = await orWhy(async () =>
      commandRecord(await backend.exec(lab, job.name, item.argv, { timeoutMs: COMMAND_TIMEOUT_MS })),
    );
    await writeFile(join(folder, item.file), header + body);
  }
  if (job.log) {
    const header = `# the log of host ${job.name}'s ${backend.profile.name} container, with timestamps\n`;
    await writeFile(join(folder, LOG_FILE), header + ((await orWhy(job.log)) || '(nothing logged)\n'));
  }
}

async function collectFirewall(backend: Backend, lab: string, dir: string): Promise<void> {
  const name = backend.profile.name;
  const read = backend.firewallRules?.bind(backend);
  const text = read
    ? `# the firewall rules testbed added for lab ${lab} (${name} backend)\n${await orWhy(() => read(lab))}`
    : `the ${name} backend adds no firewall rules\n`;
  await writeFile(join(dir, FIREWALL_FILE), text);
}

/** A command's output; where it failed, also its stderr and exit code. */
function commandRecord(result: ProcessResult): string {
  const lines = [result.stdout.trimEnd()];
  if (result.stderr.trim()) lines.push('--- stderr ---', result.stderr.trimEnd());
  if (result.code !== 0)
    lines.push(`--- exit code ${result.code}${result.unavailable ? ': the node could not run it' : ''} ---`);
  return `${lines.filter(Boolean).join('\n') || '(no output)'}\n`;
}

/**
 * What `work` gave, or why it could not: one node that fails, or hangs past the deadline (a
 * daemon that stopped answering), must not cost the others' files. An interrupt ends it all.
 */
async function orWhy(work: () => Promise<string>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${COMMAND_TIMEOUT_MS / 1000} s`)), COMMAND_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work(), deadline]);
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    return `testbed could not read it: ${error instanceof Error ? error.message : String(error)}\n`;
  } finally {
    clearTimeout(timer);
  }
}

/** An argument as a shell would need it, so that the header can be pasted. */

function readme(backend: Backend, plan: LabPlan, jobs: NodeJob[], started: Date): string {
  const { topology } = plan;
  const width = Math.max(...jobs.map((j) => j.name.length)) + 3;
  const folder = (name: string) => `  ${`${name}/`.padEnd(width)}`;
  const hosts = topology.hosts.map((h) => `${folder(h.name)}host on segment ${h.segment.name}, ${h.address}`);
  const workloads = topology.workloads.map(
    (w) => `${folder(w.name)}workload on ${w.host}, ${workloadAddresses(w).join(', ') || 'no address'}`,
  );
  const hostOnly = [
    ...(topology.routing === 'bgp' ? [...BIRD_ITEMS, BIRD_CONFIG] : []),
    ...(jobs.some((j) => j.log) ? [{ file: LOG_FILE, what: "the log of the host's container, with timestamps" }] : []),
  ];
  return [
    `The state of lab ${topology.lab}, as testbed collected it before removing the lab.`,
    '',
    `lab:       ${topology.lab} (scenario ${topology.name}, ${plan.scenarioFile})`,
    `backend:   ${backend.profile.name}`,
    `routing:   ${topology.routing}`,
    `collected: from ${started.toISOString()} to ${new Date().toISOString()}`,
    '',
    'One folder per node:',
    ...hosts,
    ...workloads,
    '',
    'In every folder (each file starts with the command that wrote it, "$ ..."; where the command',
    'failed, its stderr and exit code follow; where testbed could not run it, the reason):',
    ...legend(NODE_ITEMS),
    ...(hostOnly.length > 0 ? ["In each host's folder, besides:", ...legend(hostOnly)] : []),
    'At the top:',
    ...legend([
      { file: 'README.txt', what: 'this file' },
      { file: FIREWALL_FILE, what: 'the firewall rules testbed added for the lab where the hosts run' },
    ]),
    '',
  ].join('\n');
}

const legend = (items: Pick<Item, 'file' | 'what'>[]) => items.map((i) => `  ${i.file.padEnd(20)}${i.what}`);
