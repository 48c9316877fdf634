import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { unframe } from '../../src/backends/docker/logs.js';
import { planLab } from '../../src/dataplane/lab-plan.js';
import { UsageError } from '../../src/errors.js';
import { collectLabState } from '../../src/lab/evidence.js';
import { parseScenario } from '../../src/steps/scenario.js';
import { resolveTopology } from '../../src/topology/topology.js';
import type { ProcessResult, RunOptions } from '../../src/util/process.js';
import { FakeBackend, type Responder } from '../support/fake-backend.js';
import { validScenario } from './scenario-input.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const NODE_FILES = [
  'ip-6-neigh.txt',
  'ip-6-route.txt',
  'ip-addr.txt',
  'ip-neigh.txt',
  'ip-route.txt',
  'ip-s-link.txt',
  'sysctl.txt',
];

/** A backend that also has what Docker-based ones have: firewall rules and host logs. */
class ContainerBackend extends FakeBackend {
  readonly logsRead: string[] = [];
  firewallRules(lab: string): Promise<string> {
    return Promise.resolve(`-A DOCKER-USER -i tb-1 -o tb-1 -m comment --comment "testbed:${lab}" -j ACCEPT\n`);
  }
  hostLogs(_lab: string, host: string): Promise<string> {
    this.logsRead.push(host);
    if (host === 'host1') return Promise.reject(new Error('no such container: evidence.host1'));
    return Promise.resolve('2026-12-04T10:00:00.000000000Z started\n');
  }
}

/**
 * Holds each command until as many are in flight as may be (the profile's hostConcurrency, or
 * every node that still has commands to run), then lets them all go: a collection that ran nodes
 * one at a time would never get past its first command. `most`: the most nodes begun and not done.
 */
class CountingBackend extends FakeBackend {
  most = 0;
  private waiting: (() => void)[] = [];
  private readonly ran = new Map<string, number>();

  constructor(private readonly nodes: number) {
    super();
  }

  override async exec(lab: string, node: string, argv: string[], options?: RunOptions): Promise<ProcessResult> {
    this.ran.set(node, this.ran.get(node) ?? 0);
    const finished = [...this.ran.values()].filter((n) => n === NODE_FILES.length).length;
    this.most = Math.max(this.most, this.ran.size - finished);
    const gate = new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.waiting.length >= Math.min(this.profile.hostConcurrency, this.nodes - finished))
      this.waiting.splice(0).forEach((go) => go());
    await gate;
    this.ran.set(node, this.ran.get(node)! + 1);
    return super.exec(lab, node, argv, options);
  }
}

/** A netns-like backend: a node whose namespace is gone throws, as its exec does. */
class GoneNodeBackend extends FakeBackend {
  override exec(lab: string, node: string, argv: string[], options?: RunOptions): Promise<ProcessResult> {
    if (node === 'ns1') throw new UsageError(`lab "${lab}" has no node "ns1" (nodes: host0, host1, ns0)`);
    return super.exec(lab, node, argv, options);
  }
}

async function collect(backend: FakeBackend, routing: 'static' | 'bgp' = 'static', input = validScenario()) {
  const scenario = parseScenario('scenarios/evidence.ts', { ...input, routing });
  const plan = planLab(resolveTopology(scenario, 'evidence'), 'scenarios/evidence.ts', backend.profile);
  const dir = mkdtempSync(join(tmpdir(), 'evidence-'));
  dirs.push(dir);
  const progress: string[] = [];
  await collectLabState(backend, plan, join(dir, 'bundle'), (m) => progress.push(m));
  const bundle = join(dir, 'bundle');
  return { bundle, progress, read: (file: string) => readFileSync(join(bundle, file), 'utf8') };
}

const sorted = (dir: string) => readdirSync(dir).sort();

describe('collectLabState', () => {
  it('runs the same commands in every host and workload, one file each, and writes a README', async () => {
    const backend = new FakeBackend((call) =>
      call.argv.join(' ') === 'ip -4 route show' ? { stdout: `default via 169.254.1.1 dev eth0 (${call.node})\n` } : {},
    );
    const { bundle, progress, read } = await collect(backend);
    expect(sorted(bundle)).toEqual(['README.txt', 'firewall-rules.txt', 'host0', 'host1', 'ns0', 'ns1']);
    for (const node of ['host0', 'host1', 'ns0', 'ns1']) {
      expect(sorted(join(bundle, node))).toEqual(NODE_FILES);
      expect(backend.commandsOn(node)).toHaveLength(NODE_FILES.length);
      expect(backend.commandsOn(node)).toContain('ip -s -d link show');
    }
    expect(backend.calls.every((c) => c.lab === 'evidence')).toBe(true);
    expect(read('ns1/ip-route.txt')).toBe('$ ip -4 route show\ndefault via 169.254.1.1 dev eth0 (ns1)\n');
    expect(read('firewall-rules.txt')).toBe('the fake backend adds no firewall rules\n');
    expect(progress).toEqual([`collecting the state of 4 nodes into ${bundle}`]);
  });

  it('reads the interface sysctls in one command that takes no name from the lab', async () => {
    const backend = new FakeBackend();
    const { read } = await collect(backend);
    const sysctl = backend.calls.filter((c) => c.node === 'host0' && c.argv[0] === 'sh');
    expect(sysctl).toHaveLength(1);
    const script = sysctl[0]!.argv[2]!;
    for (const key of ['ip_forward', 'ipv6/conf/*', 'proxy_arp', 'rp_filter', '/forwarding'])
      expect(script).toContain(key);
    expect(script).not.toContain('evidence');
    expect(read('host0/sysctl.txt').split('\n')[0]).toBe(`$ sh -c '${script.replace(/'/g, `'\\''`)}'`);
  });

  it('asks BIRD through each host socket, on hosts only, where the lab routes with BGP', async () => {
    const backend = new FakeBackend();
    const { bundle, read } = await collect(backend, 'bgp');
    const socket = backend.profile.birdPaths('evidence', 'host1').socket;
    expect(backend.commandsOn('host1').filter((c) => c.startsWith('birdc'))).toEqual([
      `birdc -s ${socket} show protocols all`,
      `birdc -s ${socket} show route`,
    ]);
    expect(sorted(join(bundle, 'host0'))).toEqual(
      ['bird-protocols.txt', 'bird-route.txt', 'bird.conf', ...NODE_FILES].sort(),
    );
    const { config } = backend.profile.birdPaths('evidence', 'host1');
    expect(backend.commandsOn('host1')).toContain(`cat ${config}`);
    expect(sorted(join(bundle, 'ns0'))).toEqual(NODE_FILES);
    expect(backend.calls.flatMap((c) => (c.argv[0] === 'birdc' ? [c.node] : [])).sort()).toEqual([
      'host0',
      'host0',
      'host1',
      'host1',
    ]);
    expect(read('host1/bird-route.txt').split('\n')[0]).toBe(`$ birdc -s ${socket} show route`);
  });

  it("runs nodes at once, as many as the backend sets up hosts at once, and each node's commands in turn", async () => {
    const backend = new CountingBackend(9);
    const hosts = ['a', 'b', 'c'].map((h, i) => ({
      name: `host-${h}`,
      address: `192.168.1.${10 + i}`,
      workloads: [1, 2].map((n) => ({ name: `w${h}${n}`, address: `10.20.${i}.${n + 1}` })),
    }));
    const { bundle } = await collect(backend, 'static', { ...validScenario(), hosts, steps: [] });
    expect(sorted(bundle)).toHaveLength(9 + 2);
    expect(backend.calls).toHaveLength(9 * NODE_FILES.length);
    expect(backend.most).toBe(backend.profile.hostConcurrency);
  }, 10_000);

  it('asks no BIRD without BGP', async () => {
    const backend = new FakeBackend();
    await collect(backend, 'static');
    expect(backend.calls.filter((c) => c.argv[0] === 'birdc')).toEqual([]);
  });

  it('writes the failure of a node that cannot run a command into its files, and goes on', async () => {
    const stopped: Responder = (call) =>
      call.node === 'host1'
        ? { code: 125, stderr: 'host1: container evidence.host1 is not running', unavailable: true }
        : call.argv.includes('route')
          ? { code: 2, stdout: 'partial\n', stderr: 'RTNETLINK answers: Invalid argument\n' }
          : undefined;
    const { bundle, read } = await collect(new FakeBackend(stopped));
    expect(sorted(join(bundle, 'host1'))).toEqual(NODE_FILES);
    expect(read('host1/ip-addr.txt')).toBe(
      '$ ip addr show\n--- stderr ---\nhost1: container evidence.host1 is not running\n' +
        '--- exit code 125: the node could not run it ---\n',
    );
    expect(read('host0/ip-6-route.txt')).toBe(
      '$ ip -6 route show\npartial\n--- stderr ---\nRTNETLINK answers: Invalid argument\n--- exit code 2 ---\n',
    );
    expect(read('ns0/ip-addr.txt')).toBe('$ ip addr show\n(no output)\n');
  });

  it('writes why where the backend cannot even run the command (a node that is gone)', async () => {
    const { bundle, read } = await collect(new GoneNodeBackend());
    expect(sorted(join(bundle, 'ns1'))).toEqual(NODE_FILES);
    expect(read('ns1/ip-neigh.txt')).toBe(
      '$ ip -4 neigh show\ntestbed could not read it: lab "evidence" has no node "ns1" (nodes: host0, host1, ns0)\n',
    );
    expect(read('ns0/ip-neigh.txt')).toBe('$ ip -4 neigh show\n(no output)\n');
  });

  it("adds the lab's firewall rules and each host's log where the backend has them", async () => {
    const backend = new ContainerBackend();
    const { bundle, read } = await collect(backend);
    expect(read('firewall-rules.txt')).toBe(
      '# the firewall rules testbed added for lab evidence (fake backend)\n' +
        '-A DOCKER-USER -i tb-1 -o tb-1 -m comment --comment "testbed:evidence" -j ACCEPT\n',
    );
    expect(backend.logsRead.sort()).toEqual(['host0', 'host1']);
    expect(read('host0/container.log')).toBe(
      "# the log of host host0's fake container, with timestamps\n2026-12-04T10:00:00.000000000Z started\n",
    );
    expect(read('host1/container.log')).toContain('testbed could not read it: no such container: evidence.host1');
    expect(sorted(join(bundle, 'ns0'))).toEqual(NODE_FILES);
  });

  it('says in the README what the bundle holds, of which lab and backend, and when', async () => {
    const before = new Date().toISOString();
    const { read } = await collect(new ContainerBackend(), 'bgp');
    const readme = read('README.txt');
    expect(readme).toContain('lab:       evidence (scenario lab, scenarios/evidence.ts)');
    expect(readme).toContain('backend:   fake');
    expect(readme).toContain('  host1/  host on segment ens192, 192.168.1.16');
    expect(readme).toContain('  ns1/    workload on host1, 10.20.1.3/24');
    for (const file of [...NODE_FILES, 'bird-protocols.txt', 'bird-route.txt', 'container.log', 'firewall-rules.txt'])
      expect(readme).toMatch(new RegExp(`^  ${file.replace('.', '\\.')} +\\S`, 'm'));
    const [, from, to] = /collected: from (\S+) to (\S+)/.exec(readme)!;
    expect(from! >= before && to! >= from!).toBe(true);
  });

  it('names neither BIRD nor a container log in the README of a static lab on a backend without them', async () => {
    const { read } = await collect(new FakeBackend());
    expect(read('README.txt')).not.toMatch(/bird-|container\.log/);
  });
});

describe('unframe', () => {
  const frame = (stream: number, text: string) => {
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(Buffer.byteLength(text), 4);
    return Buffer.concat([header, Buffer.from(text)]);
  };

  it("keeps a log's stdout and stderr frames in the order they were written, without headers", () => {
    const log = Buffer.concat([frame(1, 'T1 out\n'), frame(2, 'T2 err\n'), frame(1, 'T3 out\n')]);
    expect(unframe(log).toString()).toBe('T1 out\nT2 err\nT3 out\n');
  });

  it('gives nothing for an empty log', () => {
    expect(unframe(Buffer.alloc(0)).toString()).toBe('');
  });
});
