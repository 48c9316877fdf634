import { z } from 'zod';
import type { Backend, BackendProfile, LabSummary } from '../../src/backends/backend.js';
import type { LabPlan } from '../../src/dataplane/lab-plan.js';
import type { ProcessResult, RunOptions } from '../../src/util/process.js';

/** One command the fake backend was asked to run. */
export interface Recorded {
  lab: string;
  node: string;
  argv: string[];
  input?: string;
}

/** Answers a command from fixtures; undefined falls through to "exit 0, no output". */
export type Responder = (call: Recorded, nth: number) => Partial<ProcessResult> | undefined;

const profile: BackendProfile = {
  name: 'fake',
  description: 'records commands and answers from fixtures (unit tests)',
  capabilities: ['power'],
  programHome: { where: 'in the fake', fix: 'nothing to install' },
  hostConcurrency: 4,
  uplink: 'configure',
  namespaces: 'plan',
  namespaceName: (_lab, node) => node,
  namespacePath: (_lab, node) => `/fake/netns/${node}`,
  birdPaths: (lab, host) => ({
    config: `/fake/${lab}/${host}/bird.conf`,
    socket: `/fake/${lab}/${host}/bird.ctl`,
    pid: `/fake/${lab}/${host}/bird.pid`,
    log: `/fake/${lab}/${host}/bird.log`,
  }),
  options: z.strictObject({}),
  flags: {},
};

/** A backend that builds nothing: it records every call and answers commands from a responder. */
export class FakeBackend implements Backend {
  readonly profile = profile;
  readonly calls: Recorded[] = [];
  readonly events: string[] = [];
  private readonly labs = new Set<string>();

  /**
   * `probe`: what the preflight's probe prints here (nothing: every program and kernel feature is
   * there); `onEvent`: told of each event as it happens (e.g. to interrupt the run right there).
   */
  constructor(
    private readonly respond: Responder = () => undefined,
    private readonly options: { probe?: string; onEvent?: (event: string) => void } = {},
  ) {}

  private record(event: string): void {
    this.events.push(event);
    this.options.onEvent?.(event);
  }

  async preflight(): Promise<void> {}

  async probe(script: string): Promise<ProcessResult> {
    this.record('probe');
    return { code: 0, stdout: this.options.probe ?? '', stderr: script.length > 0 ? '' : 'empty' };
  }

  async exists(lab: string): Promise<boolean> {
    return this.labs.has(lab);
  }

  async claim(plan: LabPlan): Promise<void> {
    this.record(`claim ${plan.topology.lab}`);
  }

  async createLab(plan: LabPlan): Promise<void> {
    this.record(`createLab ${plan.topology.lab}`);
    this.labs.add(plan.topology.lab);
  }

  async createHost(_plan: LabPlan, host: string): Promise<void> {
    this.record(`createHost ${host}`);
  }

  async markReady(plan: LabPlan): Promise<void> {
    this.record(`ready ${plan.topology.lab}`);
  }

  async destroy(lab: string): Promise<boolean> {
    this.record(`destroy ${lab}`);
    return this.labs.delete(lab);
  }

  async list(): Promise<LabSummary[]> {
    this.record('list');
    return [...this.labs].map((lab) => ({ lab, backend: profile.name, nodes: [], state: 'complete' as const }));
  }

  async exec(lab: string, node: string, argv: string[], options: RunOptions = {}): Promise<ProcessResult> {
    const call: Recorded = { lab, node, argv, ...(options.input !== undefined ? { input: options.input } : {}) };
    const nth = this.calls.filter((c) => c.node === node && c.argv.join(' ') === argv.join(' ')).length;
    this.calls.push(call);
    this.record(`exec ${node} ${argv[0]}`);
    return { code: 0, stdout: '', stderr: '', ...this.respond(call, nth) };
  }

  async execInteractive(): Promise<number> {
    return 0;
  }

  readonly power = {
    stop: async (_lab: string, host: string) => void this.record(`stop ${host}`),
    start: async (_lab: string, host: string) => void this.record(`start ${host}`),
  };

  /** The commands run on `node`, as lines. */
  commandsOn(node: string): string[] {
    return this.calls.filter((c) => c.node === node).map((c) => c.argv.join(' '));
  }
}

/** What `ping -n -c N` prints for N replies of the given ttl. */
export function pingReplies(target: string, count: number, ttl: number): string {
  const lines = Array.from(
    { length: count },
    (_, i) => `64 bytes from ${target}: icmp_seq=${i + 1} ttl=${ttl} time=0.1${i} ms`,
  );
  return `PING ${target} (${target}) 56(84) bytes of data.\n${lines.join('\n')}\n\n--- ${target} ping statistics ---\n${count} packets transmitted, ${count} received, 0% packet loss, time 400ms\nrtt min/avg/max/mdev = 0.100/0.110/0.120/0.010 ms\n`;
}

/** What `ping -n -c N` prints when nothing answers. */
export function pingSilence(target: string, count: number): string {
  return `PING ${target} (${target}) 56(84) bytes of data.\n\n--- ${target} ping statistics ---\n${count} packets transmitted, 0 received, 100% packet loss, time 2000ms\n`;
}
