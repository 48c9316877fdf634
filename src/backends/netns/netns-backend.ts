import { existsSync, readdirSync, readlinkSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { FABRIC } from '../../dataplane/ops.js';
import type { LabPlan } from '../../dataplane/lab-plan.js';
import { renderScript } from '../../dataplane/render.js';
import { InfraError, LabExistsError, UsageError } from '../../errors.js';
import {
  exitCodeOf,
  outputTail,
  runChecked,
  runProcess,
  type ProcessResult,
  type RunOptions,
} from '../../util/process.js';
import { labState, type Backend, type LabSummary, type Progress } from '../backend.js';
import { ownerAlive } from '../../util/owner.js';
import { readLocalNeighbourTable, type NeighbourTable } from '../neighbour-table.js';
import { fabricNamespace, nodeNamespace, parseNamespace } from './names.js';
import { binDir, NETNS_DIR, netnsProfile, RUNTIME_ROOT, runtimeDir } from './profile.js';

/** Why a normal user cannot use netns, and the two ways around: root, or the docker backend (the docker group suffices). */
export const NETNS_NEEDS_ROOT =
  'the netns backend needs root: run testbed with sudo (sudo testbed run …), or use --backend docker, which needs no root in the docker group';

/**
 * Every host and workload is a network namespace; segments are bridges in the lab's own
 * namespace. Nothing is created in, or changed of, the machine's root namespace.
 */
export class NetnsBackend implements Backend {
  readonly profile = netnsProfile;

  async preflight(): Promise<void> {
    if (process.platform !== 'linux') throw new InfraError('the netns backend needs Linux');
    if (process.getuid?.() !== 0) throw new InfraError(NETNS_NEEDS_ROOT);
    await runChecked('iproute2', 'ip', ['-V']);
  }

  probe(script: string): Promise<ProcessResult> {
    return runProcess('unshare', ['--net', 'sh', '-c', script]);
  }

  /** testbed runs where the namespaces' kernel is. */
  neighbourTable(): Promise<NeighbourTable | undefined> {
    return readLocalNeighbourTable();
  }

  exists(lab: string): Promise<boolean> {
    return Promise.resolve(labNamespaces(lab).length > 0);
  }

  /** Every namespace of the lab at once, then the fabric that plugs the hosts into their segments. */
  /** The lab's own namespace, alone: `ip netns add` creates its file exclusively. */
  async claim(plan: LabPlan): Promise<void> {
    const { lab } = plan.topology;
    // Never cut short: killed half-way, `ip` could leave the namespace made but the claim unknown to the caller.
    const claim = await runProcess('ip', ['netns', 'add', this.profile.namespaceName(lab, FABRIC)], {
      uninterruptible: true,
    });
    if (claim.code !== 0) {
      if (/exists/i.test(claim.stderr)) throw new LabExistsError(lab, this.profile.name);
      throw new InfraError(`creating the lab's namespace: ${claim.stderr.trim()}`);
    }
    // Labelled at once: `ls` and `down --all` take only labelled tb.* namespaces for labs.
    await this.label(plan, false).catch(async (error: unknown) => {
      await this.destroy(lab);
      throw error;
    });
  }

  async createLab(plan: LabPlan, progress: Progress): Promise<void> {
    const { lab, hosts, workloads } = plan.topology;
    const name = (node: string) => this.profile.namespaceName(lab, node);
    const nodes = [FABRIC, ...hosts.map((h) => h.name), ...workloads.map((w) => w.name)];

    progress(`creating ${nodes.length} namespaces`);
    const rest = nodes
      .slice(1)
      .map((n) => `netns add ${name(n)}\n`)
      .join('');
    await runChecked('creating namespaces', 'ip', ['-batch', '-'], { input: rest });

    progress(`wiring ${plan.topology.segments.map((s) => s.name).join(', ')}`);
    const script = renderScript(plan.fabric?.sections ?? [], FABRIC, name, {
      createNamespaces: false,
      pathOf: (node) => this.profile.namespacePath(lab, node),
    });
    await runChecked('wiring the lab fabric', 'nsenter', [`--net=${NETNS_DIR}/${name(FABRIC)}`, 'sh', '-s'], {
      input: script,
    });
  }

  markReady(plan: LabPlan): Promise<void> {
    return this.label(plan, true);
  }

  private async label(plan: LabPlan, ready: boolean): Promise<void> {
    const namespace = this.profile.namespaceName(plan.topology.lab, FABRIC);
    await runChecked('labelling the lab', 'ip', [
      '-n',
      namespace,
      'link',
      'set',
      'dev',
      'lo',
      'alias',
      labelOf(plan, ready),
    ]);
  }

  async destroy(lab: string): Promise<boolean> {
    const namespaces = labNamespaces(lab);
    if (namespaces.length === 0) return false;
    killProcessesIn(namespaces);
    const removal = await runProcess('ip', ['-force', '-batch', '-'], {
      input: namespaces.map((n) => `netns del ${n}\n`).join(''),
      uninterruptible: true,
    });
    // Another `down` of the same lab may have removed some first: only namespaces still here are a failure.
    const left = labNamespaces(lab);
    if (removal.code !== 0 && left.length > 0) throw new InfraError(`removing lab ${lab}: ${outputTail(removal)}`);
    rmSync(runtimeDir(lab), { recursive: true, force: true });
    try {
      rmdirSync(RUNTIME_ROOT); // only when no other lab uses it
    } catch {
      // other labs' files, or already gone
    }
    return true;
  }

  async list(): Promise<LabSummary[]> {
    const labs = new Map<string, string[]>();
    for (const entry of listNamespaces()) {
      const parsed = parseNamespace(entry);
      if (!parsed) continue;
      const nodes = labs.get(parsed.lab) ?? [];
      if (parsed.node) nodes.push(parsed.node);
      labs.set(parsed.lab, nodes);
    }
    const found = await Promise.all(
      [...labs].map(async ([lab, nodes]) => ({
        lab,
        backend: this.profile.name,
        nodes: nodes.sort(),
        label: await readLabel(lab),
      })),
    );
    // A tb.* namespace without testbed's label is someone else's.
    return found.flatMap(({ label, ...lab }) => {
      if (!label) return [];
      const { ready, owner, ...rest } = label;
      return [{ ...lab, ...rest, ...(owner ? { owner } : {}), state: labState(ready, owner, ownerAlive) }];
    });
  }

  exec(lab: string, node: string, argv: string[], options?: RunOptions): Promise<ProcessResult> {
    return runProcess('nsenter', this.execArgs(lab, node, argv), options);
  }

  execInteractive(lab: string, node: string, argv: string[]): Promise<number> {
    const child = spawn('nsenter', this.execArgs(lab, node, argv), { stdio: 'inherit' });
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve(exitCodeOf(code, signal)));
    });
  }

  private execArgs(lab: string, node: string, argv: string[]): string[] {
    const bin = binDir(lab, node);
    const path = existsSync(bin) ? ['env', `PATH=${bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`] : [];
    // nsenter, not `ip netns exec`: it enters the network namespace only, without copying the
    // machine's mount table (one mount per namespace) for every command.
    return [`--net=${NETNS_DIR}/${this.namespaceOf(lab, node)}`, '--', ...path, ...argv];
  }

  private namespaceOf(lab: string, node: string): string {
    const namespace = nodeNamespace(lab, node);
    if (existsSync(`${NETNS_DIR}/${namespace}`)) return namespace;
    const nodes = labNamespaces(lab).flatMap((n) => parseNamespace(n)?.node ?? []);
    if (nodes.length === 0) throw new UsageError(`no lab named "${lab}" is running on the netns backend`);
    throw new UsageError(`lab "${lab}" has no node "${node}" (nodes: ${nodes.join(', ')})`);
  }
}

/**
 * The lab's label, on the fabric's loopback: `key=value` words, values percent-encoded so that a
 * file name with spaces, quotes or newlines stays one word of data.
 */
function labelOf(plan: LabPlan, ready: boolean): string {
  const fields = {
    lab: plan.topology.lab,
    // The kernel keeps 255 bytes of an alias: the file's name (as information only) is cut to fit.
    scenario: plan.scenarioFile.split('/').at(-1)!.slice(0, 32),
    created: createdOf(plan),
    state: ready ? 'ready' : 'building',
    ...(plan.owner ? { owner: plan.owner } : {}),
  };
  return `testbed ${Object.entries(fields)
    .map(([k, v]) => `${k}=${encodeURIComponent(v).slice(0, 96)}`)
    .join(' ')}`;
}

/** When a lab was created: the first time this process labels it. */
const created = new Map<string, string>();
function createdOf(plan: LabPlan): string {
  const lab = plan.topology.lab;
  if (!created.has(lab)) created.set(lab, new Date().toISOString());
  return created.get(lab)!;
}

function listNamespaces(): string[] {
  try {
    return readdirSync(NETNS_DIR);
  } catch {
    return [];
  }
}

/** The lab's namespaces, nodes first and the fabric last (it holds the segments they plug into). */
function labNamespaces(lab: string): string[] {
  const mine = listNamespaces().filter((n) => parseNamespace(n)?.lab === lab);
  return [...mine.filter((n) => n !== fabricNamespace(lab)), ...mine.filter((n) => n === fabricNamespace(lab))];
}

/** Kills every process whose network namespace is one of `namespaces` (found through /proc). */
function killProcessesIn(namespaces: string[]): void {
  const inodes = new Set<number>();
  for (const n of namespaces) {
    try {
      inodes.add(statSync(`${NETNS_DIR}/${n}`).ino);
    } catch {
      // removed meanwhile
    }
  }
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const link = readlinkSync(`/proc/${pid}/ns/net`);
      if (inodes.has(Number(link.slice(5, -1)))) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // process gone or not ours to read
    }
  }
}

/** The label on a lab's fabric; undefined when there is none (not testbed's, or not yet labelled). */
async function readLabel(
  lab: string,
): Promise<{ scenario?: string; created?: string; ready: boolean; owner?: string } | undefined> {
  const result = await runProcess('ip', ['-n', fabricNamespace(lab), '-j', 'link', 'show', 'lo']);
  if (result.code !== 0) return undefined;
  let alias = '';
  try {
    alias = (JSON.parse(result.stdout) as { ifalias?: string }[])[0]?.ifalias ?? '';
  } catch {
    return undefined;
  }
  if (!alias.startsWith('testbed ')) return undefined;
  const field = (key: string) => {
    const value = alias.match(new RegExp(`(?:^| )${key}=(\\S+)`))?.[1];
    try {
      return value === undefined ? undefined : decodeURIComponent(value);
    } catch {
      return value;
    }
  };
  return {
    scenario: field('scenario'),
    created: field('created'),
    ready: field('state') === 'ready',
    owner: field('owner'),
  };
}
