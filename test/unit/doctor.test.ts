import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MACHINE_PROGRAMS, whereIs, type MachineFacts } from '../../src/doctor/facts.js';
import { doctorRows, doctorSummary, doctorTable, type DoctorRow } from '../../src/doctor/rows.js';
import { KERNEL_FEATURES } from '../../src/requirements/kernel.js';
import { PROGRAMS } from '../../src/requirements/programs.js';
import { CAPABILITY_DESCRIPTIONS } from '../../src/requirements/requirement.js';

/** A machine that has everything, as root, with `change` applied. */
function machine(change: (facts: MachineFacts) => void = () => {}): MachineFacts {
  const facts: MachineFacts = {
    user: { uid: 0, name: 'root', dockerGroup: { gid: 108, member: false, listed: false } },
    backends: [
      { name: 'docker', auto: true, usable: true },
      { name: 'netns', auto: true, usable: true },
      { name: 'swarm', auto: false, usable: true },
    ],
    docker: {
      answers: true,
      endpoint: 'unix:///var/run/docker.sock',
      version: { engine: '20.10.24+dfsg1', api: '1.41' },
      hostImage: 'testbed-host:960d4f6d189b',
      hostImagePresent: true,
    },
    kernel: { probed: true, missing: {} },
    ipv6: { sysctl: true, disabled: { all: '0', default: '0' } },
    programs: Object.fromEntries(MACHINE_PROGRAMS.map((p) => [p, `/usr/bin/${p}`])),
    programsChecked: MACHINE_PROGRAMS,
    cutOff: [],
  };
  change(facts);
  return facts;
}

const row = (rows: DoctorRow[], area: DoctorRow['area'], item: string): DoctorRow => {
  const found = rows.find((r) => r.area === area && r.item === item);
  if (!found) throw new Error(`no row ${area} ${item} in ${JSON.stringify(rows)}`);
  return found;
};

describe('doctor rows', () => {
  it('a machine that has everything: every row ok, nothing stopped, no fix', () => {
    const rows = doctorRows(machine());
    expect(rows.filter((r) => r.status !== 'ok')).toEqual([]);
    expect(rows.filter((r) => r.stops !== undefined || r.fix !== undefined)).toEqual([]);
    expect(rows.map((r) => `${r.area} ${r.item}`)).toEqual([
      'backend docker',
      'backend netns',
      'backend swarm',
      'docker engine',
      'docker host image',
      'user root',
      'user docker group',
      ...Object.keys(KERNEL_FEATURES).map((f) => `kernel ${f}`),
      'kernel ipv6',
      ...MACHINE_PROGRAMS.map((p) => `program ${p}`),
    ]);
    expect(row(rows, 'docker', 'engine').detail).toBe('20.10.24+dfsg1 (API 1.41) at unix:///var/run/docker.sock');
    expect(row(rows, 'program', 'bird').detail).toBe('/usr/bin/bird');
  });

  it('checks the programs testbed runs on the machine or builds the image with, not those only the image holds', () => {
    expect(MACHINE_PROGRAMS).toEqual(expect.arrayContaining(['ip', 'tc', 'ping', 'perl', 'bird', 'birdc', 'iperf3']));
    expect(MACHINE_PROGRAMS).toEqual(expect.arrayContaining(['tcpdump', 'debootstrap', 'dockerd', 'unshare']));
    expect(MACHINE_PROGRAMS).not.toContain('iptables');
    expect(MACHINE_PROGRAMS).not.toContain('chromium');
  });

  it('--backend auto: the first auto backend that works is the one it picks', () => {
    const rows = doctorRows(
      machine((f) => {
        f.backends[0] = { name: 'docker', auto: true, usable: false, reason: 'no Docker daemon answers at …' };
      }),
    );
    expect(row(rows, 'backend', 'netns').detail).toBe('usable; --backend auto picks it');
    expect(row(rows, 'backend', 'docker')).toEqual({
      area: 'backend',
      item: 'docker',
      status: 'missing',
      detail: 'no Docker daemon answers at …',
      stops: 'labs on docker (--backend docker)',
    });
    expect(doctorSummary(rows)).toBe('backends usable here: netns, swarm; 1 missing, 0 unknown');
  });

  it("a backend's reason of several lines (one per swarm engine) is one line; a preflight cut off is unknown", () => {
    const rows = doctorRows(
      machine((f) => {
        f.backends[2] = { name: 'swarm', auto: false, usable: false, reason: 'engine a: refused\nengine b: no answer' };
        f.backends[1] = { name: 'netns', auto: true, usable: 'unknown', reason: 'no answer within 8 s' };
      }),
    );
    expect(row(rows, 'backend', 'swarm').detail).toBe('engine a: refused; engine b: no answer');
    expect(row(rows, 'backend', 'netns')).toMatchObject({ status: 'unknown', detail: expect.stringContaining('8 s') });
    expect(row(rows, 'backend', 'netns').stops).toBeUndefined();
  });

  it('a missing program stops what the table says it is used for, and names its package', () => {
    const rows = doctorRows(
      machine((f) => {
        delete f.programs.bird;
        delete f.programs.debootstrap;
        delete f.programs.sh;
      }),
    );
    expect(row(rows, 'program', 'bird')).toEqual({
      area: 'program',
      item: 'bird',
      status: 'missing',
      detail: 'not found in PATH',
      stops: `${PROGRAMS.bird.usedFor}, on the netns backend`,
      fix: 'sh scripts/install-deps.sh (package bird2)',
    });
    // Only the image build needs it: the docker flavour of install-deps brings it.
    expect(row(rows, 'program', 'debootstrap')).toMatchObject({
      stops: PROGRAMS.debootstrap.usedFor,
      fix: 'sh scripts/install-deps.sh --docker (package debootstrap)',
    });
    // install-deps leaves the base system alone.
    expect(row(rows, 'program', 'sh').fix).toBe('apt-get install dash');
  });

  it("a missing kernel feature stops what the table says; only a step's need can be skipped", () => {
    const rows = doctorRows(
      machine((f) => {
        f.kernel = {
          probed: true,
          missing: {
            sch_netem: 'this kernel was built without CONFIG_NET_SCH_NETEM',
            ipip: 'this kernel was built without CONFIG_NET_IPIP',
          },
        };
      }),
    );
    expect(row(rows, 'kernel', 'sch_netem')).toEqual({
      area: 'kernel',
      item: 'sch_netem',
      status: 'missing',
      detail: 'this kernel was built without CONFIG_NET_SCH_NETEM',
      stops: 'netem steps (delay, jitter, loss, rate); --skip-unsupported skips those steps',
      fix: 'a kernel built with CONFIG_NET_SCH_NETEM (=y; or =m, then: modprobe sch_netem)',
    });
    expect(row(rows, 'kernel', 'ipip').stops).toBe(KERNEL_FEATURES.ipip.usedFor);
    expect(row(rows, 'kernel', 'vxlan').status).toBe('ok');
  });

  it('kernel features are unknown where they were not probed, or where their probe lacked its program', () => {
    const unprobed = doctorRows(machine((f) => (f.kernel = { probed: false, why: 'not root: …' })));
    for (const feature of Object.keys(KERNEL_FEATURES))
      expect(row(unprobed, 'kernel', feature)).toEqual({
        area: 'kernel',
        item: feature,
        status: 'unknown',
        detail: 'not root: …',
      });

    // Without tc the netem probe does not run and reports nothing: that is no proof of netem.
    const noTc = doctorRows(machine((f) => delete f.programs.tc));
    expect(row(noTc, 'kernel', 'sch_netem')).toMatchObject({
      status: 'unknown',
      detail: 'its probe needs tc, which is missing',
    });
    expect(row(noTc, 'kernel', 'vxlan').status).toBe('ok');
  });

  it('IPv6: off from boot, or disabled by sysctl, stops IPv6 between hosts', () => {
    const stops = `${CAPABILITY_DESCRIPTIONS.ipv6}: scenarios with address6`;
    const noSysctl = doctorRows(machine((f) => (f.ipv6 = { sysctl: false, disabled: {} })));
    expect(row(noSysctl, 'kernel', 'ipv6')).toMatchObject({ status: 'missing', stops });

    const disabled = doctorRows(machine((f) => (f.ipv6 = { sysctl: true, disabled: { all: '1', default: '0' } })));
    expect(row(disabled, 'kernel', 'ipv6')).toEqual({
      area: 'kernel',
      item: 'ipv6',
      status: 'missing',
      detail: 'disabled: net.ipv6.conf.all.disable_ipv6 = 1, net.ipv6.conf.default.disable_ipv6 = 0',
      stops,
      fix: 'sysctl -w net.ipv6.conf.all.disable_ipv6=0',
    });
  });

  it('not root: the netns backend and the offline image build stop, and the fix is sudo', () => {
    const rows = doctorRows(machine((f) => (f.user = { uid: 1000, name: 'alice' })));
    expect(row(rows, 'user', 'root')).toMatchObject({
      status: 'missing',
      detail: 'uid 1000 (alice)',
      stops: expect.stringMatching(/^the netns backend; .*--method offline/),
      fix: 'run testbed with sudo',
    });
  });

  it('the docker group: what matters is whether this login may use the socket', () => {
    const group = (user: MachineFacts['user'], answers = false) =>
      row(
        doctorRows(
          machine((f) => {
            f.user = user;
            if (!answers)
              f.docker = { answers: false, endpoint: 'unix:///var/run/docker.sock', reason: 'permission denied on …' };
          }),
        ),
        'user',
        'docker group',
      );
    expect(group({ uid: 0, name: 'root' })).toMatchObject({ status: 'ok' });
    expect(group({ uid: 1000, name: 'alice', dockerGroup: { gid: 108, member: true, listed: true } })).toMatchObject({
      status: 'ok',
      detail: 'alice is a member (gid 108)',
    });
    expect(
      group({ uid: 1000, name: 'alice', dockerGroup: { gid: 108, member: false, listed: false } }, true),
    ).toMatchObject({
      status: 'ok',
    });
    expect(group({ uid: 1000, name: 'alice', dockerGroup: { gid: 108, member: false, listed: false } })).toMatchObject({
      status: 'missing',
      stops: expect.stringContaining('the docker backend'),
      fix: 'sudo usermod -aG docker alice, then log in again',
    });
    expect(group({ uid: 1000, name: 'alice', dockerGroup: { gid: 108, member: false, listed: true } })).toMatchObject({
      status: 'missing',
      fix: 'log in again (or: newgrp docker)',
    });
    expect(group({ uid: 1000, name: 'alice' })).toMatchObject({
      status: 'missing',
      detail: 'no group docker on this machine',
    });
    // A uid without a passwd entry (a container's --user 1234) has no name to add.
    expect(group({ uid: 1234, dockerGroup: { gid: 108, member: false, listed: false } })).toMatchObject({
      detail: 'uid 1234 is not a member',
      fix: 'give uid 1234 a name in /etc/passwd and add it to the group docker',
    });
    expect(row(doctorRows(machine((f) => (f.user = { uid: 1234 }))), 'user', 'root').detail).toBe('uid 1234');
  });

  it('no Docker engine: the engine is missing with what it stops, and the host image cannot be asked about', () => {
    const rows = doctorRows(
      machine(
        (f) =>
          (f.docker = {
            answers: false,
            endpoint: 'unix:///var/run/docker.sock',
            reason: 'no Docker daemon answers at …',
          }),
      ),
    );
    expect(row(rows, 'docker', 'engine')).toEqual({
      area: 'docker',
      item: 'engine',
      status: 'missing',
      detail: 'no Docker daemon answers at …',
      stops: 'the docker backend, testbed image build and testbed machines',
      fix: 'sh scripts/install-deps.sh --docker (as root)',
    });
    expect(row(rows, 'docker', 'host image').status).toBe('unknown');

    // Where this login may not use the socket, installing Docker is not the fix: the group's row has it.
    const outsider = doctorRows(
      machine((f) => {
        f.user = { uid: 1000, name: 'alice', dockerGroup: { gid: 108, member: false, listed: false } };
        f.docker = { answers: false, endpoint: 'unix:///var/run/docker.sock', reason: 'permission denied on …' };
      }),
    );
    expect(row(outsider, 'docker', 'engine').fix).toBeUndefined();
    expect(row(outsider, 'user', 'docker group').fix).toBe('sudo usermod -aG docker alice, then log in again');
  });

  it('a host image not built yet stops nothing: the first docker lab builds it', () => {
    const rows = doctorRows(
      machine((f) => {
        if (f.docker.answers) f.docker.hostImagePresent = false;
      }),
    );
    expect(row(rows, 'docker', 'host image')).toMatchObject({
      status: 'missing',
      detail: 'testbed-host:960d4f6d189b is not built yet',
      fix: 'testbed image build',
    });
  });
});

describe('doctor table', () => {
  it('one row a line, what it stops and its fix under its detail, then the summary', () => {
    const rows: DoctorRow[] = [
      { area: 'backend', item: 'netns', status: 'ok', detail: 'usable' },
      {
        area: 'program',
        item: 'bird',
        status: 'missing',
        detail: 'not found in PATH',
        stops: 'BGP',
        fix: 'install it',
      },
    ];
    expect(doctorTable(rows)).toBe(
      [
        'AREA     ITEM   STATUS   DETAIL',
        'backend  netns  ok       usable',
        'program  bird   missing  not found in PATH',
        '                         stops: BGP',
        '                         fix: install it',
        '',
        'backends usable here: netns; 1 missing, 0 unknown',
        '',
      ].join('\n'),
    );
  });

  it('says so where no backend is usable', () => {
    expect(doctorSummary([{ area: 'backend', item: 'netns', status: 'unknown', detail: '…' }])).toBe(
      'no backend is usable here; 0 missing, 1 unknown',
    );
  });
});

describe('whereIs', () => {
  it('finds the first executable file of that name in PATH, as command -v does', () => {
    const root = mkdtempSync(join(tmpdir(), 'testbed-doctor-'));
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    const [a, b, c] = ['a', 'b', 'c'].map((d) => join(root, d));
    for (const dir of [a!, b!, c!]) mkdirSync(dir);
    writeFileSync(join(a!, 'tool'), 'not executable');
    mkdirSync(join(b!, 'tool')); // a folder is no program
    writeFileSync(join(c!, 'tool'), '#!/bin/sh\n');
    chmodSync(join(c!, 'tool'), 0o755);
    expect(whereIs('tool', [a, b, c].join(':'))).toBe(join(c!, 'tool'));
    expect(whereIs('tool', [a, b].join(':'))).toBeUndefined();
    expect(whereIs('tool', '')).toBeUndefined();
  });
});
