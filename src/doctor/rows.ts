import { KERNEL_FEATURES, type KernelFeature } from '../requirements/kernel.js';
import { PROGRAMS, type ProgramInfo, type ProgramName } from '../requirements/programs.js';
import { CAPABILITY_DESCRIPTIONS } from '../requirements/requirement.js';
import type { BackendFacts, DockerFacts, Ipv6Facts, KernelFacts, MachineFacts, UserFacts } from './facts.js';

export type DoctorStatus = 'ok' | 'missing' | 'unknown';

/** One line of `testbed doctor`: a thing this machine has or lacks, and what its lack stops. */
export interface DoctorRow {
  area: 'backend' | 'docker' | 'user' | 'kernel' | 'program';
  item: string;
  status: DoctorStatus;
  detail: string;
  /** What cannot work while it is missing. */
  stops?: string;
  /** How to get it, where that is known. */
  fix?: string;
}

const DOCKER_STOPS = 'the docker backend, testbed image build and testbed machines';
const DOCKER_SOCKET_STOPS = `${DOCKER_STOPS}, through the Docker socket`;
const INSTALL_DOCKER = 'sh scripts/install-deps.sh --docker (as root)';

/** Pure: the facts as rows, backends first; every missing thing says what it stops. */
export function doctorRows(facts: MachineFacts): DoctorRow[] {
  return [
    ...backendRows(facts.backends),
    ...dockerRows(facts.docker, mayUseSocket(facts.user)),
    ...userRows(facts.user, facts.docker),
    ...kernelRows(facts.kernel, facts.programs),
    ipv6Row(facts.ipv6),
    ...facts.programsChecked.map((p) => programRow(p, facts.programs[p])),
  ];
}

function backendRows(backends: BackendFacts[]): DoctorRow[] {
  const auto = backends.find((b) => b.auto && b.usable === true)?.name;
  return backends.map((b): DoctorRow => {
    const row = { area: 'backend', item: b.name } as const;
    if (b.usable === true)
      return { ...row, status: 'ok', detail: b.name === auto ? 'usable; --backend auto picks it' : 'usable' };
    const reason = oneLine(b.reason ?? '');
    if (b.usable === 'unknown') return { ...row, status: 'unknown', detail: `its preflight did not end: ${reason}` };
    return { ...row, status: 'missing', detail: reason, stops: `labs on ${b.name} (--backend ${b.name})` };
  });
}

/** Root, or a member of the docker group in this login: the default socket lets them in. */
const mayUseSocket = (user: UserFacts) => user.uid === 0 || user.dockerGroup?.member === true;

function dockerRows(docker: DockerFacts, mayUse: boolean): DoctorRow[] {
  if (!docker.answers) {
    return [
      {
        area: 'docker',
        item: 'engine',
        status: 'missing',
        detail: oneLine(docker.reason),
        stops: DOCKER_STOPS,
        // Where this login may not use the socket, the docker group's row says what to do.
        ...(mayUse ? { fix: INSTALL_DOCKER } : {}),
      },
      { area: 'docker', item: 'host image', status: 'unknown', detail: 'no engine to ask' },
    ];
  }
  const { version } = docker;
  const engine: DoctorRow = {
    area: 'docker',
    item: 'engine',
    status: 'ok',
    detail: version
      ? `${version.engine} (API ${version.api}) at ${docker.endpoint}`
      : `answers at ${docker.endpoint}; its version did not come in time`,
  };
  const image = { area: 'docker', item: 'host image' } as const;
  if (docker.hostImagePresent === true) return [engine, { ...image, status: 'ok', detail: docker.hostImage }];
  if (docker.hostImagePresent === 'unknown')
    return [
      engine,
      { ...image, status: 'unknown', detail: `the engine did not say in time whether ${docker.hostImage} is there` },
    ];
  return [
    engine,
    {
      ...image,
      status: 'missing',
      detail: `${docker.hostImage} is not built yet`,
      stops: 'nothing: the first lab on docker builds it, which takes a few minutes',
      fix: 'testbed image build',
    },
  ];
}

function userRows(user: UserFacts, docker: DockerFacts): DoctorRow[] {
  const root = user.uid === 0;
  const rootRow: DoctorRow =
    user.uid === undefined
      ? { area: 'user', item: 'root', status: 'unknown', detail: 'this platform has no user ids' }
      : root
        ? { area: 'user', item: 'root', status: 'ok', detail: whoIs(user) }
        : {
            area: 'user',
            item: 'root',
            status: 'missing',
            detail: whoIs(user),
            stops:
              'the netns backend; the kernel probes of this report; the offline build of the host image (testbed image build --method offline)',
            fix: 'run testbed with sudo',
          };
  return [rootRow, dockerGroupRow(user, root, docker)];
}

/** `uid 1000 (alice)`; a uid without a passwd entry has no name. */
const whoIs = (user: UserFacts) => `uid ${user.uid}${user.name !== undefined ? ` (${user.name})` : ''}`;

function dockerGroupRow(user: UserFacts, root: boolean, docker: DockerFacts): DoctorRow {
  const row = { area: 'user', item: 'docker group' } as const;
  const group = user.dockerGroup;
  const who = user.name ?? `uid ${user.uid}`;
  if (group?.member) return { ...row, status: 'ok', detail: `${who} is a member (gid ${group.gid})` };
  if (root) return { ...row, status: 'ok', detail: 'not needed: root may use the Docker socket' };
  if (docker.answers)
    return { ...row, status: 'ok', detail: `not a member; the engine at ${docker.endpoint} answers all the same` };
  if (!group)
    return {
      ...row,
      status: 'missing',
      detail: 'no group docker on this machine',
      stops: DOCKER_SOCKET_STOPS,
      fix: INSTALL_DOCKER,
    };
  if (group.listed) {
    return {
      ...row,
      status: 'missing',
      detail: `${who} is listed in /etc/group, but not in this login's groups`,
      stops: DOCKER_SOCKET_STOPS,
      fix: 'log in again (or: newgrp docker)',
    };
  }
  return {
    ...row,
    status: 'missing',
    detail: `${who} is not a member`,
    stops: DOCKER_SOCKET_STOPS,
    fix: user.name
      ? `sudo usermod -aG docker ${user.name}, then log in again`
      : `give uid ${user.uid} a name in /etc/passwd and add it to the group docker`,
  };
}

function kernelRows(kernel: KernelFacts, programs: MachineFacts['programs']): DoctorRow[] {
  return (Object.keys(KERNEL_FEATURES) as KernelFeature[]).map((feature): DoctorRow => {
    const { config, probeNeeds, usedFor } = KERNEL_FEATURES[feature];
    const row = { area: 'kernel', item: feature } as const;
    if (!kernel.probed) return { ...row, status: 'unknown', detail: kernel.why };
    const reason = kernel.missing[feature];
    if (reason !== undefined) {
      return {
        ...row,
        status: 'missing',
        detail: reason,
        stops: kernelStops(usedFor),
        fix: `a kernel built with ${config} (=y; or =m, then: modprobe ${feature})`,
      };
    }
    // The probe does not run without its program, and then says nothing: that is no proof.
    if (programs[probeNeeds] === undefined)
      return { ...row, status: 'unknown', detail: `its probe needs ${probeNeeds}, which is missing` };
    return { ...row, status: 'ok', detail: `${config}: its probe passed in a new network namespace` };
  });
}

/**
 * What a missing kernel feature stops, in the table's words. What only steps need, a run can
 * skip (lab/preflight.ts skips such steps with --skip-unsupported); what the lab needs it cannot.
 */
function kernelStops(usedFor: string): string {
  return /\bsteps\b/.test(usedFor) ? `${usedFor}; --skip-unsupported skips those steps` : usedFor;
}

function ipv6Row(ipv6: Ipv6Facts): DoctorRow {
  const row = { area: 'kernel', item: 'ipv6' } as const;
  const stops = `${CAPABILITY_DESCRIPTIONS.ipv6}: scenarios with address6`;
  if (!ipv6.sysctl) {
    return {
      ...row,
      status: 'missing',
      detail: 'no /proc/sys/net/ipv6: IPv6 is off from boot (ipv6.disable=1) or not built into this kernel',
      stops,
      fix: 'boot without ipv6.disable=1',
    };
  }
  const values = Object.entries(ipv6.disabled).map(
    ([which, value]) => `net.ipv6.conf.${which}.disable_ipv6 = ${value}`,
  );
  const off = Object.entries(ipv6.disabled).filter(([, value]) => value !== '0');
  if (off.length === 0) return { ...row, status: 'ok', detail: values.join(', ') || 'enabled' };
  return {
    ...row,
    status: 'missing',
    detail: `disabled: ${values.join(', ')}`,
    stops,
    fix: `sysctl -w ${off.map(([which]) => `net.ipv6.conf.${which}.disable_ipv6=0`).join(' ')}`,
  };
}

function programRow(name: ProgramName, path: string | undefined): DoctorRow {
  const row = { area: 'program', item: name } as const;
  if (path !== undefined) return { ...row, status: 'ok', detail: path };
  const info: ProgramInfo = PROGRAMS[name];
  return {
    ...row,
    status: 'missing',
    detail: 'not found in PATH',
    stops: info.machine ? `${info.usedFor}, on the netns backend` : info.usedFor,
    fix: info.base
      ? `apt-get install ${info.package}`
      : `sh scripts/install-deps.sh${info.machine ? '' : ' --docker'} (package ${info.package})`,
  };
}

/** Reasons of several lines (one per swarm engine) as one. */
const oneLine = (text: string) =>
  text
    .trim()
    .split(/\s*\n\s*/)
    .join('; ');

/** Pure: the rows as one table, what a missing thing stops and its fix under its detail; then a summary. */
export function doctorTable(rows: DoctorRow[]): string {
  const head = ['AREA', 'ITEM', 'STATUS'];
  const cells = rows.map((r) => [r.area, r.item, r.status]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const lead = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ') + '  ';
  const indent = ' '.repeat(lead(head).length);
  const lines = [`${lead(head)}DETAIL`];
  rows.forEach((r, i) => {
    lines.push(`${lead(cells[i]!)}${r.detail}`.trimEnd());
    if (r.stops) lines.push(`${indent}stops: ${r.stops}`);
    if (r.fix) lines.push(`${indent}fix: ${r.fix}`);
  });
  lines.push('', doctorSummary(rows));
  return lines.join('\n') + '\n';
}

/** Pure: one line that says which backends work here and how much is missing. */
export function doctorSummary(rows: DoctorRow[]): string {
  const usable = rows.filter((r) => r.area === 'backend' && r.status === 'ok').map((r) => r.item);
  const count = (status: DoctorStatus) => rows.filter((r) => r.status === status).length;
  const backends = usable.length > 0 ? `backends usable here: ${usable.join(', ')}` : 'no backend is usable here';
  return `${backends}; ${count('missing')} missing, ${count('unknown')} unknown`;
}
