import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend, type BackendName } from '../../src/backends/registry.js';
import { parseNamespace } from '../../src/backends/netns/names.js';
import { runProcess } from '../../src/util/process.js';
import { onTestFinished, type SuiteOptions } from 'vitest';
import { abilityOf, has, LOCAL_BACKENDS, needs } from '../support/abilities.js';

/** The local backends this machine has, for removing what tests made on each. */
const present = async () =>
  (await Promise.all(LOCAL_BACKENDS.map(async (b) => ((await has(abilityOf(b))) ? [b] : [])))).flat();

/**
 * One backend for a group that shows something any backend shows: the first this machine has,
 * with the group's gate (skipped, naming every backend's reason, where it has none).
 */
export async function anyLocalBackend(): Promise<{ backend: BackendName; gate: SuiteOptions }> {
  const backend = (await present())[0];
  if (backend) return { backend, gate: await needs(abilityOf(backend)) };
  return { backend: LOCAL_BACKENDS[0]!, gate: await needs(...LOCAL_BACKENDS.map(abilityOf)) };
}

const bin = new URL('../../bin/testbed.js', import.meta.url).pathname;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI as a user would. Its stdin is empty, unless `onStdout` is to answer it
 * (`typing`): then it is a pipe that `type` writes to, and that ends with the run.
 */
export function cli(
  args: string[],
  {
    onStdout,
    env,
    typing = false,
    user,
    deadlineMs = 240_000,
  }: {
    onStdout?: (text: string, pid: number, type: (text: string) => void) => void;
    env?: Record<string, string>;
    typing?: boolean;
    /** Runs it as this user (its supplementary groups dropped). */
    user?: { uid: number; gid: number };
    deadlineMs?: number;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      stdio: [typing ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
      ...user,
    });
    const type = (text: string) => void child.stdin?.write(text);
    let stdout = '';
    let stderr = '';
    // A command that hangs is stopped as Ctrl-C would (it cleans up), and what it said so far shows where.
    const deadline = setTimeout(() => {
      stderr += `\n[test: stopped after ${deadlineMs / 1000} s: testbed ${args.join(' ')}]`;
      child.kill('SIGTERM');
    }, deadlineMs);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, child.pid!, type);
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(deadline);
      child.stdin?.end();
      resolve({ code, stdout, stderr });
    });
  });
}

/** A lab name unique to this test process, so test files can run side by side. */
export const labFor = (tag: string) => `t${process.pid}-${tag}`;

export function namespacesOf(lab: string): string[] {
  try {
    return readdirSync('/run/netns').filter((n) => parseNamespace(n)?.lab === lab);
  } catch {
    return [];
  }
}

/** Whether anything of the lab is left on the backend: namespaces, containers, networks. */
export function labExists(backend: BackendName, lab: string): Promise<boolean> {
  return createBackend(backend).exists(lab);
}

/** Removes labs a test created, on every backend, also when it failed half-way. */
export async function removeLabs(...labs: string[]): Promise<void> {
  for (const name of await present()) {
    const backend = createBackend(name);
    for (const lab of labs) await backend.destroy(lab);
  }
}

/** Reads kernel state of a lab namespace directly, not through testbed. */
export async function ipJson<T>(namespace: string, ...args: string[]): Promise<T> {
  const result = await runProcess('ip', ['-n', namespace, '-j', ...args]);
  if (result.code !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as T;
}

/**
 * Links, addresses and routes of the machine's root namespace, without counters and timers, and
 * without what Docker adds and removes there for containers of other tests (veths, its bridges).
 */
export async function rootNamespaceState(): Promise<string> {
  const [addr, route] = await Promise.all([
    runProcess('ip', ['-j', 'addr', 'show']),
    runProcess('ip', ['-j', 'route', 'show', 'table', 'all']),
  ]);
  const docker = (name: unknown) => typeof name === 'string' && /^(veth|br-|tb-|docker)/.test(name);
  const links = (JSON.parse(addr.stdout) as Record<string, unknown>[])
    .filter((l) => !docker(l.ifname))
    .map((l) => ({
      ifname: l.ifname,
      flags: l.flags,
      mtu: l.mtu,
      address: l.address,
      addr: (l.addr_info as Record<string, unknown>[]).map((a) => `${String(a.local)}/${String(a.prefixlen)}`),
    }));
  const routes = (JSON.parse(route.stdout) as { dev?: string }[]).filter((r) => !docker(r.dev));
  return JSON.stringify({ links, routes });
}

/**
 * A PATH with every program of the current one but `left`: one folder of links, as if the
 * packages holding those programs were not installed. Removed when the test that made it ends.
 */
export function pathWithout(left: string[]): string {
  const folder = mkdtempSync(join(tmpdir(), 'testbed-path-'));
  mkdirSync(folder, { recursive: true });
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (left.includes(entry)) continue;
      try {
        symlinkSync(join(dir, entry), join(folder, entry));
      } catch {
        // an earlier folder of PATH had it first
      }
    }
  }
  onTestFinished(() => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

/** A moment of a run, seen from outside: `spawned` (nothing done yet), or a line it printed on stdout. */
export type Stage = 'spawned' | RegExp;

export interface SignalledRun extends CliResult {
  /** The signal that ended the process, where one did (it came before testbed handled signals). */
  signal: NodeJS.Signals | null;
  /** Whether the stage was reached, so the signal was sent. */
  sent: boolean;
}

/**
 * Runs `testbed ARGS` and sends it `signal` once it reaches `stage` (and then `also` holds, where
 * given); resolves when it has ended. No clock decides when: a run that never reaches the stage
 * ends on its own, unsignalled.
 */
export function signalAt(
  args: string[],
  stage: Stage,
  signal: NodeJS.Signals,
  also?: () => Promise<void>,
): Promise<SignalledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    let seen = false;
    const send = () => {
      if (seen) return;
      seen = true;
      void (also ?? (async () => {}))().then(
        () => {
          sent = true;
          child.kill(signal);
        },
        (error: unknown) => {
          stderr += `\n[test: ${(error as Error).message}]`;
          child.kill('SIGKILL');
        },
      );
    };
    if (stage === 'spawned') send();
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stage !== 'spawned' && stage.test(stdout)) send();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, endedBy) => resolve({ code, signal: endedBy, stdout, stderr, sent }));
  });
}

export { waitFor } from '../support/wait.js';
