import { existsSync, readdirSync, readlinkSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { basename } from 'node:path';
import { spawn } from 'node:child_process';
import { FABRIC, file, ip, run, type Section } from '../../dataplane/ops.js';
import { renderScript, type NamespaceNamer } from '../../dataplane/render.js';
import { InfraError, UsageError } from '../../errors.js';
import { mapLimit, runChecked, runProcess, type ProcessResult, type RunOptions } from '../../util/process.js';
import { planFabric } from '../../dataplane/fabric-plan.js';
import type { BirdPaths } from '../../dataplane/bird.js';
import { planHosts } from '../../dataplane/host-plan.js';
import type { Backend, LabPlan, LabSpec, LabSummary, Progress } from '../backend.js';
import { fabricNamespace, nodeNamespace, parseNamespace } from './names.js';

const NETNS_DIR = '/run/netns';
/** Files of running labs that live outside namespaces (BIRD's config, socket, log). */
const RUNTIME_ROOT = '/run/testbed';
const runtimeDir = (lab: string) => `${RUNTIME_ROOT}/${lab}`;
const binDir = (lab: string, host: string) => `${runtimeDir(lab)}/${host}/bin`;
/** Hosts set up at once; each is one short-lived shell in its namespace. */
const HOST_CONCURRENCY = 16;

/**
 * Every host and workload is a network namespace; segments are bridges in the lab's own
 * namespace. Nothing is created in, or changed of, the machine's root namespace.
 */
export class NetnsBackend implements Backend {
  readonly name = 'netns';
  readonly capabilities = ['routedSegments'] as const;
  readonly programHome = { where: 'on this machine', fix: 'install it with: sh scripts/install-deps.sh' };

  probe(script: string): Promise<ProcessResult> {
    return runProcess('unshare', ['--net', 'sh', '-c', script]);
  }

  plan(spec: LabSpec): LabPlan {
    return {
      ...spec,
      fabric: {
        title: 'The lab fabric (netns backend: a namespace of its own stands in for the physical network)',
        sections: planFabric(spec.topology),
      },
      hosts: planHosts(spec.topology, { birdPaths: (host) => this.birdPaths(spec.topology.lab, host) }).map((plan) =>
        spec.topology.routing === 'bgp' ? { ...plan, sections: [...plan.sections, this.birdcWrapper(spec.topology.lab, plan.host)] } : plan,
      ),
    };
  }

  /**
   * Hosts share the machine's file system, so each BIRD has its own socket instead of the default
   * /run/bird/bird.ctl; a `birdc` first in the PATH of `exec` on that host points at it, so that
   * `testbed exec LAB host0 -- birdc show protocols` works as on a real node.
   */
  private birdcWrapper(lab: string, host: string): Section {
    const path = `${binDir(lab, host)}/birdc`;
    const script = `#!/bin/sh\nexec /usr/sbin/birdc -s ${this.birdPaths(lab, host).socket} "$@"\n`;
    return {
      comment: `birdc for this host's BIRD (testbed exec puts ${binDir(lab, host)} first in PATH).`,
      ops: [file(host, path, script), run(host, 'chmod', '+x', path)],
    };
  }

  /** BIRD's files live outside the namespaces, one folder per host, removed with the lab. */
  birdPaths(lab: string, host: string): BirdPaths {
    const dir = `${runtimeDir(lab)}/${host}`;
    return { config: `${dir}/bird.conf`, socket: `${dir}/bird.ctl`, pid: `${dir}/bird.pid`, log: `${dir}/bird.log` };
  }

  async preflight(): Promise<void> {
    if (process.platform !== 'linux') throw new InfraError('the netns backend needs Linux');
    if (process.getuid?.() !== 0) throw new InfraError('the netns backend needs root: run testbed with sudo');
    await runChecked('iproute2', 'ip', ['-V']);
    await runChecked('iputils-ping', 'ping', ['-V']);
  }

  async exists(lab: string): Promise<boolean> {
    return labNamespaces(lab).length > 0;
  }

  async create(plan: LabPlan, progress: Progress): Promise<void> {
    const { lab, hosts, workloads } = plan.topology;
    const name: NamespaceNamer = (node) => (node === FABRIC ? fabricNamespace(lab) : nodeNamespace(lab, node));
    const nodes = [FABRIC, ...hosts.map((h) => h.name), ...workloads.map((w) => w.name)];

    progress(`creating ${nodes.length} namespaces`);
    await runChecked('creating namespaces', 'ip', ['-batch', '-'], {
      input: nodes.map((n) => `netns add ${name(n)}\n`).join(''),
    });

    progress(`wiring ${plan.topology.segments.map((s) => s.name).join(', ')}`);
    const label = `testbed lab=${lab} scenario=${basename(plan.scenarioFile)} created=${new Date().toISOString()}`;
    const fabric = [
      ...(plan.fabric?.sections ?? []),
      { comment: 'label', ops: [ip(FABRIC, 'link', 'set', 'dev', 'lo', 'alias', `"${label}"`)] },
    ];
    await runInNamespace('wiring the lab fabric', name(FABRIC), renderScript(fabric, FABRIC, name, { createNamespaces: false }));

    await mapLimit(plan.hosts, HOST_CONCURRENCY, async (host) => {
      const script = renderScript(host.sections, host.host, name, { createNamespaces: false });
      await runInNamespace(`setting up ${host.host}`, name(host.host), script);
      progress(`${host.host} ready`);
    });
  }

  async destroy(lab: string): Promise<boolean> {
    const namespaces = labNamespaces(lab);
    if (namespaces.length === 0) return false;
    killProcessesIn(namespaces);
    await runChecked(`removing lab ${lab}`, 'ip', ['-force', '-batch', '-'], {
      input: namespaces.map((n) => `netns del ${n}\n`).join(''),
      uninterruptible: true,
    });
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
    return Promise.all(
      [...labs].map(async ([lab, nodes]) => ({ lab, backend: this.name, nodes: nodes.sort(), ...(await readLabel(lab)) })),
    );
  }

  exec(lab: string, node: string, argv: string[], options?: RunOptions): Promise<ProcessResult> {
    return runProcess('ip', this.execArgs(lab, node, argv), options);
  }

  execInteractive(lab: string, node: string, argv: string[]): Promise<number> {
    const child = spawn('ip', this.execArgs(lab, node, argv), { stdio: 'inherit' });
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
    });
  }

  private execArgs(lab: string, node: string, argv: string[]): string[] {
    const bin = binDir(lab, node);
    const path = existsSync(bin) ? ['env', `PATH=${bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`] : [];
    return ['netns', 'exec', this.namespaceOf(lab, node), ...path, ...argv];
  }

  private namespaceOf(lab: string, node: string): string {
    const namespace = nodeNamespace(lab, node);
    if (existsSync(`${NETNS_DIR}/${namespace}`)) return namespace;
    const nodes = labNamespaces(lab).flatMap((n) => parseNamespace(n)?.node ?? []);
    if (nodes.length === 0) throw new UsageError(`no lab named "${lab}" is running on the netns backend`);
    throw new UsageError(`lab "${lab}" has no node "${node}" (nodes: ${nodes.join(', ')})`);
  }
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

async function runInNamespace(what: string, namespace: string, script: string): Promise<void> {
  await runChecked(what, 'ip', ['netns', 'exec', namespace, 'sh', '-c', script]);
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

async function readLabel(lab: string): Promise<{ scenario?: string; created?: string }> {
  const result = await runProcess('ip', ['-n', fabricNamespace(lab), '-j', 'link', 'show', 'lo']);
  if (result.code !== 0) return {};
  const alias: string = (JSON.parse(result.stdout) as { ifalias?: string }[])[0]?.ifalias ?? '';
  const field = (key: string) => alias.match(new RegExp(`${key}=(\\S+)`))?.[1];
  return { scenario: field('scenario'), created: field('created') };
}
