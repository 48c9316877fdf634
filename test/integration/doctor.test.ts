import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hostImage } from '../../src/backends/docker/image.js';
import type { DoctorRow } from '../../src/doctor/rows.js';
import { KERNEL_FEATURES, type KernelFeature } from '../../src/requirements/kernel.js';
import { runProcess } from '../../src/util/process.js';
import { needs } from '../support/abilities.js';
import { kernelAllows } from '../support/kernel.js';
import { cli } from './helpers.js';

/** `testbed doctor --json` as a user runs it; one run serves every test of the file. */
let report: Promise<{ code: number | null; rows: DoctorRow[]; stderr: string }> | undefined;
function doctor() {
  report ??= cli(['doctor', '--json'], { deadlineMs: 60_000 }).then(({ code, stdout, stderr }) => ({
    code,
    stderr,
    rows: JSON.parse(stdout) as DoctorRow[],
  }));
  return report;
}

const row = (rows: DoctorRow[], area: DoctorRow['area'], item: string): DoctorRow => {
  const found = rows.find((r) => r.area === area && r.item === item);
  if (!found) throw new Error(`testbed doctor printed no row ${area} ${item}`);
  return found;
};

/** Where the machine's shell finds a program, asked of the shell itself. */
async function commandV(program: string): Promise<string | undefined> {
  const result = await runProcess('sh', ['-c', 'command -v "$1"', 'sh', program]);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

const readOr = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined);

describe('testbed doctor: what it says of this machine', () => {
  it('ends with 0 and prints rows that each say ok, missing or unknown; what is missing says what it stops', async () => {
    const { code, rows, stderr } = await doctor();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(rows.length).toBeGreaterThan(20);
    for (const r of rows) expect(['ok', 'missing', 'unknown']).toContain(r.status);
    expect(rows.filter((r) => r.status === 'missing' && !r.stops)).toEqual([]);
  });

  it('says root exactly when this process runs as uid 0', async () => {
    const { rows } = await doctor();
    expect(row(rows, 'user', 'root').status).toBe(process.getuid?.() === 0 ? 'ok' : 'missing');
  });

  it('finds every program where `command -v` finds it, and misses those it does not', async () => {
    const { rows } = await doctor();
    const programs = rows.filter((r) => r.area === 'program');
    expect(programs.map((r) => r.item)).toEqual(expect.arrayContaining(['ip', 'tc', 'ping', 'perl', 'bird', 'iperf3']));
    const seen = programs.map((r) => ({
      item: r.item,
      status: r.status,
      path: r.status === 'ok' ? r.detail : undefined,
    }));
    const asked = await Promise.all(
      programs.map(async (r) => {
        const path = await commandV(r.item);
        return { item: r.item, status: path ? 'ok' : 'missing', path };
      }),
    );
    expect(seen).toEqual(asked);
  });

  it('says IPv6 is on exactly when /proc/sys/net/ipv6 exists and disable_ipv6 is 0', async () => {
    const { rows } = await doctor();
    const on =
      existsSync('/proc/sys/net/ipv6') &&
      readOr('/proc/sys/net/ipv6/conf/all/disable_ipv6') === '0' &&
      readOr('/proc/sys/net/ipv6/conf/default/disable_ipv6') === '0';
    expect(row(rows, 'kernel', 'ipv6').status).toBe(on ? 'ok' : 'missing');
  });

  it('prints the same rows as a table', async () => {
    const [{ rows }, table] = await Promise.all([doctor(), cli(['doctor'], { deadlineMs: 60_000 })]);
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^AREA +ITEM +STATUS +DETAIL$/);
    for (const r of rows) {
      // Facts of two runs: the engine's answer may differ between them, but not which rows there are.
      expect(lines.some((l) => l.startsWith(`${r.area} `) && l.split(/ {2,}/)[1] === r.item)).toBe(true);
    }
    expect(lines.at(-2)).toMatch(/^(backends usable here: .*|no backend is usable here); \d+ missing, \d+ unknown$/);
  });
});

describe('testbed doctor and the Docker engine', await needs('docker'), () => {
  it('gives the version the engine itself gives, and calls the docker backend usable', async () => {
    const version = await runProcess('docker', ['version', '--format', '{{.Server.Version}}']);
    expect(version.code, version.stderr).toBe(0);
    const { rows } = await doctor();
    const engine = row(rows, 'docker', 'engine');
    expect(engine.status).toBe('ok');
    expect(engine.detail.split(' ')[0]).toBe(version.stdout.trim());
    expect(row(rows, 'backend', 'docker').status).toBe('ok');
  });

  it('says the host image is there exactly when the engine has it', async () => {
    const inspect = await runProcess('docker', ['image', 'inspect', '--format', '{{.Id}}', hostImage()]);
    const { rows } = await doctor();
    const image = row(rows, 'docker', 'host image');
    expect(image.status).toBe(inspect.code === 0 ? 'ok' : 'missing');
    expect(image.detail).toContain(hostImage());
  });
});

describe('testbed doctor as root', await needs('netns'), () => {
  it.each(Object.keys(KERNEL_FEATURES) as KernelFeature[])(
    'says %s works exactly when this kernel runs its probe in a new namespace',
    async (feature) => {
      const allows = await kernelAllows(KERNEL_FEATURES[feature].probe);
      expect(allows, 'a network namespace could not be made').toBeDefined();
      const { rows } = await doctor();
      expect(row(rows, 'kernel', feature).status).toBe(allows ? 'ok' : 'missing');
    },
  );

  it('as another user (nobody): not root, no netns backend, and the kernel unprobed', async () => {
    const { code, stdout } = await cli(['doctor', '--json'], {
      user: { uid: 65534, gid: 65534 },
      env: { HOME: '/' },
      deadlineMs: 60_000,
    });
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as DoctorRow[];
    expect(row(rows, 'user', 'root')).toMatchObject({
      status: 'missing',
      detail: expect.stringMatching(/^uid 65534 /),
    });
    expect(row(rows, 'backend', 'netns')).toMatchObject({ status: 'missing', detail: expect.stringContaining('root') });
    for (const feature of Object.keys(KERNEL_FEATURES)) expect(row(rows, 'kernel', feature).status).toBe('unknown');
  });
});
