import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { dockerClient, dockerEndpoint, pingDocker } from '../backends/docker/client.js';
import { imageExists } from '../backends/docker/image-build.js';
import { hostImage } from '../backends/docker/image.js';
import {
  AUTO_BACKEND_NAMES,
  BACKEND_NAMES,
  backendProblem,
  type BackendName,
  type BackendSettings,
} from '../backends/registry.js';
import { KERNEL_FEATURES, type KernelFeature } from '../requirements/kernel.js';
import { parseProbe, probeScript } from '../requirements/probe.js';
import { PROGRAMS, type ProgramInfo, type ProgramName } from '../requirements/programs.js';
import { outputTail, runProcess } from '../util/process.js';

/**
 * What this machine has, as `testbed doctor` finds it: each fact gathered by one small impure
 * function, all at once, each within a deadline. `rows.ts` turns them into the report.
 */
export interface MachineFacts {
  user: UserFacts;
  backends: BackendFacts[];
  docker: DockerFacts;
  kernel: KernelFacts;
  ipv6: Ipv6Facts;
  /** Per program testbed runs on the machine, where it was found in PATH (undefined: not found). */
  programs: Partial<Record<ProgramName, string>>;
  /** The programs that were looked for, in the table's order. */
  programsChecked: ProgramName[];
  /**
   * Checks cut off at their deadline: what they asked (an engine that never answers) may still
   * hold a socket open, which the process should not wait for once the report is out.
   */
  cutOff: string[];
}

export interface UserFacts {
  uid: number | undefined;
  /** The login name; undefined for a uid without a passwd entry (a container's `--user 1234`). */
  name?: string;
  /** The group `docker` of /etc/group; undefined where there is none. */
  dockerGroup?: { gid: number; member: boolean; listed: boolean };
}

export interface BackendFacts {
  name: BackendName;
  auto: boolean;
  /** Works here: its preflight passed; else its reason; unknown: the preflight did not end in time. */
  usable: boolean | 'unknown';
  reason?: string;
}

export type DockerFacts =
  | {
      answers: true;
      endpoint: string;
      /** The engine's version and API version; undefined where it answered the ping only. */
      version?: { engine: string; api: string };
      hostImage: string;
      hostImagePresent: boolean | 'unknown';
    }
  | { answers: false; endpoint: string; reason: string };

export type KernelFacts =
  { probed: true; missing: Partial<Record<KernelFeature, string>> } | { probed: false; why: string };

export interface Ipv6Facts {
  /** Whether /proc/sys/net/ipv6 exists (the kernel has IPv6, and it is not off from boot). */
  sysctl: boolean;
  /** net.ipv6.conf.{all,default}.disable_ipv6 as read, where present. */
  disabled: { all?: string; default?: string };
}

/** How long any one check may take before the report calls it unknown. */
export const CHECK_DEADLINE_MS = 8000;
/** How long the Docker engine has to answer its ping, as the docker backend's preflight gives it. */
const PING_MS = 3000;

export const KERNEL_FEATURE_NAMES = Object.keys(KERNEL_FEATURES) as KernelFeature[];

/** The programs testbed runs on the machine itself, or needs there to build the host image. */
export const MACHINE_PROGRAMS = (Object.keys(PROGRAMS) as ProgramName[]).filter((p) => {
  const info: ProgramInfo = PROGRAMS[p];
  return info.machine || info.imageBuild;
});

/** Every fact at once; none waits for another, and none longer than `deadlineMs`. */
export async function gatherFacts(
  settings: BackendSettings = {},
  deadlineMs = CHECK_DEADLINE_MS,
): Promise<MachineFacts> {
  const user = userFacts();
  const clock = deadlines(deadlineMs);
  const [backends, docker, kernel] = await Promise.all([
    Promise.all(BACKEND_NAMES.map((name) => backendFacts(name, settings, clock))),
    dockerFacts(clock),
    kernelFacts(user.uid === 0, deadlineMs),
  ]);
  const programs = Object.fromEntries(MACHINE_PROGRAMS.map((p) => [p, whereIs(p)]));
  const ipv6 = ipv6Facts();
  return { user, backends, docker, kernel, ipv6, programs, programsChecked: MACHINE_PROGRAMS, cutOff: clock.cutOff };
}

/** The backend's own preflight (registry.ts), within the deadline. */
async function backendFacts(name: BackendName, settings: BackendSettings, clock: Deadlines): Promise<BackendFacts> {
  const auto = AUTO_BACKEND_NAMES.includes(name);
  try {
    const problem = await clock.within(`backend ${name}`, backendProblem(name, settings));
    return problem === undefined ? { name, auto, usable: true } : { name, auto, usable: false, reason: problem };
  } catch (error) {
    return { name, auto, usable: 'unknown', reason: (error as Error).message };
  }
}

/** Whether the Docker engine answers (client.ts's ping), its version, and whether the host image is there. */
async function dockerFacts(clock: Deadlines): Promise<DockerFacts> {
  const endpoint = dockerEndpoint();
  const docker = dockerClient();
  const pingMs = Math.min(clock.ms, PING_MS);
  const started = performance.now();
  try {
    await pingDocker(docker, pingMs);
  } catch (error) {
    // pingDocker gives up on an engine that does not answer, and leaves its request open.
    if (performance.now() - started >= pingMs) clock.cutOff.push('docker engine');
    return { answers: false, endpoint, reason: (error as Error).message };
  }
  const image = hostImage();
  const [version, present] = await Promise.all([
    clock.within('docker version', docker.version()).then(
      (v) => ({ engine: v.Version, api: v.ApiVersion }),
      () => undefined,
    ),
    clock.within('docker host image', imageExists(docker, image)).catch(() => 'unknown' as const),
  ]);
  return { answers: true, endpoint, ...(version ? { version } : {}), hostImage: image, hostImagePresent: present };
}

/**
 * The kernel features' own probes (KERNEL_FEATURES) in a throwaway network namespace, as the
 * netns backend's probe runs them (`unshare --net`), killed at the deadline. Only root can.
 */
async function kernelFacts(root: boolean, deadlineMs: number): Promise<KernelFacts> {
  if (!root) return { probed: false, why: 'not root: the probes need a network namespace of their own' };
  try {
    const script = probeScript([], KERNEL_FEATURE_NAMES);
    const result = await runProcess('unshare', ['--net', 'sh', '-c', script], { timeoutMs: deadlineMs });
    if (result.code !== 0)
      return { probed: false, why: `the probe failed (exit ${result.code})${tail(outputTail(result))}` };
    return { probed: true, missing: Object.fromEntries(parseProbe(result.stdout).missingKernel) };
  } catch (error) {
    return { probed: false, why: (error as Error).message };
  }
}

function ipv6Facts(): Ipv6Facts {
  const read = (which: 'all' | 'default') => readTrimmed(`/proc/sys/net/ipv6/conf/${which}/disable_ipv6`);
  const disabled: Ipv6Facts['disabled'] = {};
  const all = read('all');
  const dflt = read('default');
  if (all !== undefined) disabled.all = all;
  if (dflt !== undefined) disabled.default = dflt;
  return { sysctl: existsSync('/proc/sys/net/ipv6'), disabled };
}

function userFacts(): UserFacts {
  const uid = process.getuid?.();
  const name = userName();
  const line = (readTrimmed('/etc/group') ?? '').split('\n').find((l) => l.startsWith('docker:'));
  const user = { uid, ...(name !== undefined ? { name } : {}) };
  if (!line) return user;
  const [, , gid, members = ''] = line.split(':');
  const id = Number(gid);
  const member = process.getgroups?.().includes(id) ?? false;
  const listed = name !== undefined && members.split(',').includes(name);
  return { ...user, dockerGroup: { gid: id, member, listed } };
}

function userName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined; // no passwd entry
  }
}

/** Where `program` is in PATH, as `command -v` would find it: the first executable file of that name. */
export function whereIs(program: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, program);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

function readTrimmed(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

const tail = (text: string) => (text ? `: ${text}` : '');

interface Deadlines {
  ms: number;
  /** `work`, or an error saying it did not end within the deadline (and `what` noted as cut off). */
  within<T>(what: string, work: Promise<T>): Promise<T>;
  cutOff: string[];
}

/** One deadline for every check, and the names of those it cut off. */
function deadlines(ms: number): Deadlines {
  const cutOff: string[] = [];
  return {
    ms,
    cutOff,
    within<T>(what: string, work: Promise<T>): Promise<T> {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          cutOff.push(what);
          reject(new Error(`no answer within ${ms / 1000} s`));
        }, ms);
      });
      return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
    },
  };
}
