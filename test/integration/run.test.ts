import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/report/json.js';
import { cli, isRoot, labFor, namespacesOf, removeLabs } from './helpers.js';

const labs: string[] = [];
const lab = (tag: string) => {
  const name = labFor(tag);
  labs.push(name);
  return name;
};
const tmp = mkdtempSync(join(tmpdir(), 'testbed-run-'));

afterAll(async () => {
  await removeLabs(...labs);
  rmSync(tmp, { recursive: true, force: true });
});

const stepsOf = (stdout: string) => (JSON.parse(stdout) as JsonReport).runs.flatMap((r) => r.steps);

describe.skipIf(!isRoot)('testbed run on netns', () => {
  it('proves the two-host lab: ttl 62 both ways, no loss, proxy ARP state; JSON and JUnit agree', async () => {
    const name = lab('two');
    const junit = join(tmp, 'two-host.xml');
    const result = await cli(['run', 'scenarios/two-host.ts', '--name', name, '--json', '--junit', junit]);
    expect(result.stderr).toContain('6 passed, 0 failed');
    expect(result.code).toBe(0);

    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report).toMatchObject({ schema: 'testbed/run-report@1', passed: true });
    expect(report.runs[0]).toMatchObject({ backend: 'netns', lab: name, passed: true, scenario: { name: 'two-host' } });
    const pings = report.runs[0]!.steps.filter((s) => s.kind === 'ping');
    expect(pings.map((p) => [p.metrics.ttl, p.metrics.lossPercent, p.metrics.received])).toEqual([
      [62, 0, 3],
      [62, 0, 3],
    ]);
    const neighbour = report.runs[0]!.steps.find((s) => s.kind === 'neighbour')!;
    expect(neighbour.metrics.lladdr).toBe('ee:ee:ee:ee:ee:ee');

    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuite name="two-host" time="[\d.]+" tests="6" failures="0" errors="0"/);
    expect(namespacesOf(name)).toEqual([]);
  });

  it('gives ttl 62 for the seed\'s literal commands and ttl 63 on one host', async () => {
    const pingTtls = async (file: string, name: string) => {
      const result = await cli(['run', file, '--name', name, '--json']);
      expect(result.code).toBe(0);
      return stepsOf(result.stdout)
        .filter((s) => s.kind === 'ping')
        .map((s) => s.metrics.ttl);
    };
    expect(await pingTtls('scenarios/seed-lab.ts', lab('seed'))).toEqual([62, 62]);
    expect(await pingTtls('scenarios/same-host.ts', lab('same'))).toEqual([63, 63]);
  });

  it('routes between segments through the fabric: one more hop, ttl 61', async () => {
    const result = await cli(['run', 'test/fixtures/two-segments.ts', '--name', lab('segs'), '--json']);
    expect(result.code).toBe(0);
    expect(stepsOf(result.stdout).map((s) => s.metrics.ttl ?? null)).toEqual([61, 61, null]);
  });

  it('proves unreachability and absence, not only success', async () => {
    const result = await cli(['run', 'test/fixtures/unreachable.ts', '--name', lab('unreach'), '--json']);
    expect(result.code).toBe(0);
    const [blocked, local, , hosts] = stepsOf(result.stdout);
    expect(blocked!.metrics).toMatchObject({ received: 0, lossPercent: 100 });
    expect(local!.metrics.ttl).toBe(63);
    expect(hosts!.metrics.ttl).toBe(64);
  });

  it('fails a wrong expectation with exit 1 and expected vs actual in console, JSON and JUnit', async () => {
    const name = lab('ttl61');
    const junit = join(tmp, 'ttl61.xml');
    const consoleRun = await cli(['run', 'test/fixtures/ttl61.ts', '--name', name, '--junit', junit]);
    expect(consoleRun.code).toBe(1);
    expect(consoleRun.stdout).toContain('FAIL 1/2 ns0 to ns1 expecting ttl 61');
    expect(consoleRun.stdout).toContain('ttl: expected 61, actual 62');
    expect(consoleRun.stdout).toMatch(/--- host0 ---[\s\S]*\$ ip route[\s\S]*10\.20\.1\.3 via 192\.168\.1\.16/);
    expect(consoleRun.stdout).toContain('0 passed, 2 failed');

    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('failures="2"');
    expect(xml).toContain('<failure message="ttl: expected 61, actual 62" type="AssertionError">');

    const jsonRun = await cli(['run', 'test/fixtures/ttl61.ts', '--name', name, '--json']);
    expect(jsonRun.code).toBe(1);
    const [step, waited] = stepsOf(jsonRun.stdout);
    expect(step).toMatchObject({
      passed: false,
      expected: { ttl: 61 },
      actual: { ttl: 62 },
      failures: ['ttl: expected 61, actual 62'],
    });
    expect(step!.diagnostics).toContain('--- ns0 ---');
    expect(waited).toMatchObject({ passed: false, failures: ['route: expected 10.99.0.1 present, actual no route to 10.99.0.1'] });
    expect(waited!.attempts).toBeGreaterThan(2);
    expect(waited!.durationMs).toBeGreaterThanOrEqual(800);
    expect(namespacesOf(name)).toEqual([]);
  });

  it('runs two labs with different names at the same time', async () => {
    const [a, b] = [lab('par-a'), lab('par-b')];
    const results = await Promise.all([
      cli(['run', 'scenarios/two-host.ts', '--name', a]),
      cli(['run', 'scenarios/two-host.ts', '--name', b]),
    ]);
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    expect(results.map((r) => r.stdout.match(/PASS/g)?.length)).toEqual([6, 6]);
    expect([...namespacesOf(a), ...namespacesOf(b)]).toEqual([]);
  });
});
