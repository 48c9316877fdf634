import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerClient } from '../../src/backends/docker/client.js';
import { HOST_IMAGE } from '../../src/backends/docker/image.js';
import { ensureImage } from '../../src/backends/docker/image-build.js';
import { NETNS_NEEDS_ROOT } from '../../src/backends/netns/netns-backend.js';
import { MACHINE_IMAGE, machineSimulator } from '../../src/backends/swarm/machines.js';
import type { JsonReport } from '../../src/report/json.js';
import { runProcess } from '../../src/util/process.js';
import { isRoot, needs } from '../support/abilities.js';
import { waitFor } from '../support/wait.js';
import { labFor, removeLabs, type CliResult } from './helpers.js';

/**
 * Issue 23: a normal user in the docker group, as on a laptop, runs the docker backend, simulated
 * machines and the swarm backend; what needs root (netns) says so and names the way around. The
 * suite runs as root, so it makes a throwaway system user in the docker group and runs the real
 * CLI as that user with runuser (which sets the supplementary groups: Node's spawn with uid and
 * gid would drop the docker group). Run by a user who is not root, the test runs the CLI as that
 * user. The images are built beforehand, as root (the global setup does the host image): a normal
 * user cannot build them offline, and what it is told then is unit-tested (test/unit/image-advice.test.ts).
 */

const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));
/** What the CLI needs of the checkout, as an installed package has it. */
const NEEDED = ['package.json', 'bin', 'dist', 'images', 'scenarios', 'node_modules'];
/** A normal user's PATH on Debian: no sbin. */
const USER_PATH = '/usr/local/bin:/usr/bin:/bin';
/** The slowest command here (`machines up 2` on 2 slow cores: two dockerds, the host image loaded into each) and the tests around them. */
const COMMAND_MS = 300_000;
const SWARM_TEST_MS = 3 * COMMAND_MS;
const USER_PREFIX = 'testbed-user-';

interface Account {
  /** The throwaway user, where the test runs as root; undefined where it runs as a normal user already. */
  user?: string;
  uid: number;
  /** Everything the test makes on disk: the user's home, a copy of the checkout if it needs one. */
  base: string;
  home: string;
  /** The folder the CLI runs from: the checkout, or the copy. */
  root: string;
}

let account: Account | undefined;

/** Runs the built CLI as the normal user, with its own HOME and TMPDIR and nothing else of this process's environment. */
function asUser(args: string[], deadlineMs = COMMAND_MS): Promise<CliResult> {
  const { user, home, root } = account!;
  const env: Record<string, string> = { HOME: home, TMPDIR: join(home, 'tmp'), PATH: USER_PATH };
  if (process.env.DOCKER_HOST) env.DOCKER_HOST = process.env.DOCKER_HOST;
  const argv = [process.execPath, join(root, 'bin', 'testbed.js'), ...args];
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const [command, ...rest] = user ? ['runuser', '-u', user, '--', 'env', '-i', ...assignments, ...argv] : argv;
  return new Promise((resolve, reject) => {
    // runuser passes a SIGTERM on to the command, which then cleans up as on Ctrl-C.
    const child = spawn(command!, rest, {
      cwd: root,
      env: user ? process.env : env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const deadline = setTimeout(() => {
      stderr += `\n[test: stopped after ${deadlineMs / 1000} s: testbed ${args.join(' ')}]`;
      child.kill('SIGTERM');
    }, deadlineMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr });
    });
  });
}

async function checked(what: string, command: string, args: string[]): Promise<string> {
  const result = await runProcess(command, args);
  if (result.code !== 0) throw new Error(`${what}: ${command} ${args.join(' ')}: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Throwaway users of earlier runs of this file that were killed before their afterAll, with their folders. */
async function removeStaleUsers(): Promise<void> {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , , , , home] = line.split(':');
    const owner = name?.startsWith(USER_PREFIX) ? Number(name.slice(USER_PREFIX.length)) : NaN;
    if (Number.isNaN(owner) || alive(owner)) continue;
    await runProcess('userdel', [name!]);
    if (home && dirname(dirname(home)) === tmpdir()) rmSync(dirname(home), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether `user` can read everything the CLI needs of the checkout, and enter its folders (a clone under /root cannot). */
async function readableBy(user: string, root: string): Promise<boolean> {
  const paths = NEEDED.map((p) => join(root, p));
  const unreadable = ['(', '!', '-readable', '-o', '-type', 'd', '!', '-executable', ')', '-print', '-quit'];
  const found = await runProcess('runuser', ['-u', user, '--', 'find', ...paths, ...unreadable]);
  return found.code === 0 && found.stdout.trim() === '';
}

/** The throwaway user, its home (and TMPDIR) in a folder of this test's own, and the folder the CLI runs from. */
async function makeAccount(): Promise<Account> {
  const base = mkdtempSync(join(tmpdir(), 'testbed-normal-user-'));
  const home = join(base, 'home');
  mkdirSync(join(home, 'tmp'), { recursive: true });
  // Set at once, so that afterAll removes what was made if a later part fails.
  account = { uid: process.getuid!(), base, home, root: CHECKOUT };
  if (!isRoot) return account;
  await removeStaleUsers();
  const user = `${USER_PREFIX}${process.pid}`;
  await checked('making the throwaway user', 'useradd', [
    ...['--system', '--no-create-home', '--groups', 'docker', '--shell', '/usr/sbin/nologin', '--home-dir', home],
    user,
  ]);
  account.user = user;
  const uid = Number((await checked('its uid', 'id', ['-u', user])).trim());
  account.uid = uid;
  chmodSync(base, 0o755);
  for (const dir of [home, join(home, 'tmp')]) chownSync(dir, uid, -1);
  chmodSync(home, 0o700);
  if (!(await readableBy(user, CHECKOUT))) {
    // CI may clone where other users cannot read or enter (under /root): the user gets a copy of
    // what the CLI needs, as a package install would have it. Only then: node_modules is large.
    const copy = join(base, 'testbed');
    for (const part of NEEDED)
      cpSync(join(CHECKOUT, part), join(copy, part), { recursive: true, verbatimSymlinks: true });
    await checked('giving the copy to the user', 'chown', ['-R', user, copy]);
    account.root = copy;
  }
  return account;
}

/** Removes the user and everything of it, going on past a failure, then says what failed. */
async function removeAccount(): Promise<void> {
  if (!account) return;
  const problems: string[] = [];
  if (account.user) {
    const gone = await runProcess('userdel', [account.user]);
    if (gone.code !== 0) problems.push(`userdel ${account.user}: ${gone.stderr.trim()}`);
  }
  rmSync(account.base, { recursive: true, force: true });
  account = undefined;
  if (problems.length > 0) throw new Error(problems.join('; '));
}

beforeAll(async () => {
  account = await makeAccount();
}, COMMAND_MS);

afterAll(async () => {
  await removeAccount();
}, COMMAND_MS);

describe('a normal user in the docker group: the docker backend, and netns refused', await needs('docker'), () => {
  const lab = labFor('normal-user');

  beforeAll(async () => {
    await ensureImage(dockerClient(), HOST_IMAGE, (m) => console.log(`[normal user] ${m}`));
  }, 600_000);

  afterAll(async () => {
    await removeLabs(lab);
  }, COMMAND_MS);

  it(
    'testbed run two-host picks docker and passes 7 of 7; the JSON report says docker and ttl 62',
    async () => {
      const run = await asUser(['run', 'scenarios/two-host.ts', '--name', lab, '--json']);
      // The console goes to stderr when the JSON report takes stdout.
      expect(run.stderr).toMatch(new RegExp(`^two-host on docker \\(lab ${lab}\\)$`, 'm'));
      expect(run.stderr).toContain('two-host: 7 of 7 steps passed');
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as JsonReport;
      expect(report.passed).toBe(true);
      expect(report.runs.map((r) => r.backend)).toEqual(['docker']);
      const steps = report.runs[0]!.steps;
      expect(steps.filter((s) => s.passed)).toHaveLength(7);
      const pings = steps.filter((s) => s.kind === 'ping');
      expect(pings.length).toBeGreaterThan(0);
      for (const ping of pings) expect(ping.metrics.ttl, ping.name).toBe(62);
      // Nothing of the lab is left: asked of Docker itself.
      expect(await dockerClient().listContainers({ all: true, filters: { label: [`testbed.lab=${lab}`] } })).toEqual(
        [],
      );
    },
    COMMAND_MS,
  );

  it('--backend netns: exit 3, saying it needs root and naming sudo and --backend docker', async () => {
    const run = await asUser(['run', 'scenarios/two-host.ts', '--name', lab, '--backend', 'netns']);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr.trim()).toBe(`testbed: ${NETNS_NEEDS_ROOT}`);
    expect(NETNS_NEEDS_ROOT).toMatch(/needs root: .*sudo testbed run .*--backend docker/);
    expect(run.stdout).toBe('');
  });
});

describe('a normal user in the docker group: simulated machines and the swarm backend', await needs('swarm'), () => {
  const lab = labFor('normal-user-swarm');
  const docker = dockerClient();
  const machineContainers = () => docker.listContainers({ all: true, filters: { label: ['testbed.machine'] } });
  /** Set once `machines up` ran: the machines there are this test's (there were none before). */
  let started = false;

  beforeAll(async () => {
    await ensureImage(docker, HOST_IMAGE, (m) => console.log(`[normal user] ${m}`));
    await ensureImage(docker, MACHINE_IMAGE, (m) => console.log(`[normal user] ${m}`));
    // `machines up` keeps machines that are there: someone else's would carry their key, not this user's.
    await waitFor(
      'the simulated machines of `testbed machines up` someone else started to be removed (testbed machines down)',
      async () => (await machineContainers()).length === 0,
      COMMAND_MS,
    );
  }, 600_000 + COMMAND_MS);

  afterAll(async () => {
    // What a failed test left: this test's machines, their volumes and network (the lab goes with them).
    if (started && (await machineContainers()).length > 0) await machineSimulator.down(() => {});
  }, COMMAND_MS);

  it(
    'machines up 2, a swarm run of two-host across them (one over tcp, one over ssh with its key under HOME), machines down',
    async () => {
      started = true;
      const up = await asUser(['machines', 'up', '2']);
      expect(up.code, up.stderr).toBe(0);
      const machines = [...up.stdout.matchAll(/^(testbed-machine-\d)\s+(tcp:\/\/\S+)\s+(ssh:\/\/\S+)$/gm)];
      expect(
        machines.map((m) => m[1]),
        up.stdout,
      ).toEqual(['testbed-machine-0', 'testbed-machine-1']);
      // The key testbed logs into its machines with is the user's own, in its home.
      const key = join(account!.home, '.config', 'testbed', 'machines', 'id_ed25519');
      expect(existsSync(key)).toBe(true);
      expect(statSync(key).uid).toBe(account!.uid);
      const exported = await asUser(['machines', 'ls', '--export']);
      expect(exported.stdout.trim()).toBe(`export TESTBED_ENGINES="${machines.map((m) => m[2]).join(' ')}"`);

      const engines = [machines[0]![2]!, machines[1]![3]!];
      const run = await asUser([
        'run',
        'scenarios/two-host.ts',
        '--backend',
        'swarm',
        ...engines.flatMap((e) => ['--engine', e]),
        '--name',
        lab,
        '--json',
      ]);
      expect(run.stderr).toContain(`two-host on swarm (lab ${lab})`);
      expect(run.stderr).toContain('two-host: 7 of 7 steps passed');
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as JsonReport;
      expect(report.runs.map((r) => r.backend)).toEqual(['swarm']);
      for (const ping of report.runs[0]!.steps.filter((s) => s.kind === 'ping'))
        expect(ping.metrics.ttl, ping.name).toBe(62);

      const down = await asUser(['machines', 'down']);
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout.trim()).toBe('removed 2 machines');
      expect(await machineContainers()).toEqual([]);
      const volumes = (await docker.listVolumes()).Volumes ?? [];
      expect(volumes.map((v) => v.Name).filter((n) => /^testbed-machine-\d+-docker$/.test(n))).toEqual([]);
    },
    SWARM_TEST_MS,
  );
});
