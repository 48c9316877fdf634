import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/report/json.js';
import { dockerClient } from '../../src/backends/docker/client.js';
import { abilityOf, LOCAL_BACKENDS, needs } from '../support/abilities.js';
import { anyLocalBackend, cli, labExists, labFor, removeLabs } from './helpers.js';

const labs: string[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'testbed-run-'));

afterAll(async () => {
  await removeLabs(...labs);
  rmSync(tmp, { recursive: true, force: true });
});

const stepsOf = (stdout: string) => (JSON.parse(stdout) as JsonReport).runs.flatMap((r) => r.steps);

for (const backend of LOCAL_BACKENDS)
  describe(`testbed run on ${backend}`, await needs(abilityOf(backend)), () => {
    const lab = (tag: string) => {
      const name = labFor(`${backend}-${tag}`);
      labs.push(name);
      return name;
    };
    const run = (file: string, name: string, ...more: string[]) =>
      cli(['run', file, '--backend', backend, '--name', name, ...more]);

    it('proves the two-host lab: ttl 62 both ways, no loss, proxy ARP state; JSON and JUnit agree', async () => {
      const name = lab('two');
      const junit = join(tmp, `${name}.xml`);
      const result = await run('scenarios/two-host.ts', name, '--json', '--junit', junit);
      expect(result.stderr).toContain('all 7 steps passed');
      expect(result.code).toBe(0);

      const report = JSON.parse(result.stdout) as JsonReport;
      expect(report).toMatchObject({ schema: 'testbed/run-report@1', passed: true });
      expect(report.runs[0]).toMatchObject({ backend, lab: name, passed: true, scenario: { name: 'two-host' } });
      const pings = report.runs[0]!.steps.filter((s) => s.kind === 'ping');
      expect(pings.map((p) => [p.metrics.ttl, p.metrics.lossPercent, p.metrics.received])).toEqual([
        [62, 0, 3],
        [62, 0, 3],
      ]);
      const neighbour = report.runs[0]!.steps.find((s) => s.kind === 'neighbour')!;
      expect(neighbour.metrics.lladdr).toBe('ee:ee:ee:ee:ee:ee');

      const xml = readFileSync(junit, 'utf8');
      expect(xml).toMatch(/<testsuite name="two-host" time="[\d.]+" tests="7" failures="0" errors="0"/);
      const trace = report.runs[0]!.steps.find((s) => s.kind === 'trace')!;
      expect(trace.metrics).toMatchObject({
        hops: 'ns0,host0,host1,ns1',
        ttls: '64,63,62',
        arpAnswer: 'ee:ee:ee:ee:ee:ee',
      });
      expect(xml).toContain(`<property name="backend" value="${backend}"/>`);
      expect(await labExists(backend, name)).toBe(false);
    });

    it('finds the path MTU a router on the way reports: 1400 through a shrunk uplink, where the first hop says 1500', async () => {
      const result = await run('test/fixtures/path-mtu.ts', lab('pmtu'), '--json');
      expect(result.code, result.stderr).toBe(0);
      expect(
        stepsOf(result.stdout)
          .filter((s) => s.kind === 'mtu')
          .map((s) => [s.metrics.firstHopMtu, s.metrics.mtu]),
      ).toEqual([
        [1500, 1500],
        [1500, 1400],
      ]);
    });

    it("gives ttl 62 for the seed's literal commands and ttl 63 on one host", async () => {
      const pingTtls = async (file: string, name: string) => {
        const result = await run(file, name, '--json');
        expect(result.code).toBe(0);
        return stepsOf(result.stdout)
          .filter((s) => s.kind === 'ping')
          .map((s) => s.metrics.ttl);
      };
      expect(await pingTtls('scenarios/seed-lab.ts', lab('seed'))).toEqual([62, 62]);
      expect(await pingTtls('scenarios/same-host.ts', lab('same'))).toEqual([63, 63]);
    });

    it('proves unreachability and absence, not only success', async () => {
      const result = await run('test/fixtures/unreachable.ts', lab('unreach'), '--json');
      expect(result.code).toBe(0);
      const [blocked, local, , hosts] = stepsOf(result.stdout);
      expect(blocked!.metrics).toMatchObject({ received: 0, lossPercent: 100 });
      expect(local!.metrics.ttl).toBe(63);
      expect(hosts!.metrics.ttl).toBe(64);
    });

    it('fails a wrong expectation with exit 1 and expected vs actual in console, JSON and JUnit', async () => {
      const name = lab('ttl61');
      const junit = join(tmp, `${name}.xml`);
      const consoleRun = await run('test/fixtures/ttl61.ts', name, '--junit', junit);
      expect(consoleRun.code).toBe(1);
      expect(consoleRun.stdout).toContain('FAIL 1/2 ns0 to ns1 expecting ttl 61');
      expect(consoleRun.stdout).toContain('ttl: expected 61, actual 62');
      expect(consoleRun.stdout).toMatch(/--- host0 ---[\s\S]*\$ ip route[\s\S]*10\.20\.1\.3 via 192\.168\.1\.16/);
      expect(consoleRun.stdout).toContain('2/2 steps failed');

      const xml = readFileSync(junit, 'utf8');
      expect(xml).toContain('failures="2"');
      expect(xml).toContain('<failure message="ttl: expected 61, actual 62" type="AssertionError">');

      const jsonRun = await run('test/fixtures/ttl61.ts', name, '--json');
      expect(jsonRun.code).toBe(1);
      const [step, waited] = stepsOf(jsonRun.stdout);
      expect(step).toMatchObject({
        passed: false,
        expected: { ttl: 61 },
        actual: { ttl: 62 },
        failures: ['ttl: expected 61, actual 62'],
      });
      expect(step!.diagnostics).toContain('--- ns0 ---');
      expect(waited).toMatchObject({
        passed: false,
        failures: ['route: expected 10.99.0.1 present, actual no route to 10.99.0.1'],
      });
      expect(waited!.attempts).toBeGreaterThan(2);
      expect(waited!.durationMs).toBeGreaterThanOrEqual(800);
      expect(await labExists(backend, name)).toBe(false);
    });

    it('sets up more hosts than it starts at once, and the matrix proves every pair', async () => {
      const result = await run('test/fixtures/twelve-hosts.ts', lab('twelve'), '--json');
      expect(result.code).toBe(0);
      expect((JSON.parse(result.stdout) as JsonReport).runs[0]!.steps[0]!.metrics).toMatchObject({
        pairs: 132,
        reached: 132,
        ttlMismatches: 0,
      });
    });

    it('runs two labs with different names at the same time', async () => {
      const [a, b] = [lab('par-a'), lab('par-b')];
      // Docker cannot hold two networks with one subnet, so there the second lab has a subnet of its own.
      const second = backend === 'docker' ? 'test/fixtures/other-subnet.ts' : 'scenarios/two-host.ts';
      const results = await Promise.all([run('scenarios/two-host.ts', a), run(second, b)]);
      expect(results.map((r) => r.code)).toEqual([0, 0]);
      expect(results.map((r) => r.stdout.match(/PASS/g)?.length)).toEqual([7, backend === 'docker' ? 1 : 7]);
      expect([await labExists(backend, a), await labExists(backend, b)]).toEqual([false, false]);
    });
  });

describe('segments on netns', await needs('netns'), () => {
  it('routes between segments through the fabric: one more hop, ttl 61', async () => {
    const name = labFor('segs');
    labs.push(name);
    const result = await cli(['run', 'test/fixtures/two-segments.ts', '--backend', 'netns', '--name', name, '--json']);
    expect(result.code).toBe(0);
    expect(stepsOf(result.stdout).map((s) => s.metrics.ttl ?? null)).toEqual([61, 61, null]);
    const v6 = await cli(['run', 'test/fixtures/two-segments-v6.ts', '--backend', 'netns', '--name', name, '--json']);
    expect(v6.code, v6.stderr).toBe(0);
    expect(stepsOf(v6.stdout).map((s) => [s.metrics.target, s.metrics.ttl])).toEqual([['fd00:10:20:1::3', 61]]);
  });
});

describe('docker limits', await needs('docker'), () => {
  it('refuses a second lab on a subnet in use, naming the lab that holds it', async () => {
    const [first, second] = [labFor('holder'), labFor('second')];
    labs.push(first, second);
    expect((await cli(['up', 'scenarios/two-host.ts', '--backend', 'docker', '--name', first])).code).toBe(0);
    const refused = await cli(['up', 'scenarios/same-host.ts', '--backend', 'docker', '--name', second]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      `subnet 192.168.1.0/24 overlaps Docker network ${first}.ens192 (testbed lab ${first})`,
    );
    expect(await labExists('docker', second)).toBe(false);
    expect(await labExists('docker', first)).toBe(true);
    await removeLabs(first);
  });

  it('--privileged works where the runtime can grant it, and says what to do where it cannot', async () => {
    const name = labFor('priv');
    labs.push(name);
    const result = await cli(['run', 'scenarios/same-host.ts', '--backend', 'docker', '--privileged', '--name', name]);
    if (result.code === 0) {
      expect(result.stdout).toContain('all 3 steps passed');
    } else {
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('run without --privileged');
    }
    expect(await labExists('docker', name)).toBe(false);
  });

  it('reports the scenarios that ran when a later one cannot be built', async () => {
    const holder = labFor('holder2');
    labs.push(holder, 'other-subnet', 'same-host');
    expect((await cli(['up', 'scenarios/two-host.ts', '--backend', 'docker', '--name', holder])).code).toBe(0);
    const junit = join(tmp, 'partial.xml');
    const result = await cli([
      'run',
      'test/fixtures/other-subnet.ts',
      'scenarios/same-host.ts',
      '--backend',
      'docker',
      '--json',
      '--junit',
      junit,
    ]);
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report).toMatchObject({ passed: false, error: expect.stringContaining('subnet 192.168.1.0/24 overlaps') });
    expect(report.runs.map((r) => [r.lab, r.passed])).toEqual([['other-subnet', true]]);
    expect(readFileSync(junit, 'utf8')).toContain('<testsuite name="other-subnet"');
    await removeLabs(holder);
  });

  it("routes between segments through a router container holding each gateway, Docker's own gateway moved aside", async () => {
    const name = labFor('dsegs');
    labs.push(name);
    const result = await cli(['run', 'test/fixtures/two-segments.ts', '--backend', 'docker', '--name', name, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(stepsOf(result.stdout).map((s) => s.metrics.ttl ?? null)).toEqual([61, 61, null]);
    // What Docker holds while the lab is up: the router at .1 on both networks, Docker's gateway at .254.
    expect((await cli(['up', 'test/fixtures/two-segments.ts', '--backend', 'docker', '--name', name])).code).toBe(0);
    const docker = dockerClient();
    const router = await docker.getContainer(`${name}._router`).inspect();
    expect(
      Object.values(router.NetworkSettings.Networks)
        .map((n) => n.IPAddress)
        .sort(),
    ).toEqual(['192.168.1.1', '192.168.2.1']);
    const network = await docker.getNetwork(`${name}.ens224`).inspect();
    expect(network.IPAM!.Config![0]!.Gateway).toBe('192.168.2.254');
    expect((await cli(['down', name, '--backend', 'docker'])).code).toBe(0);
    await expect(docker.getContainer(`${name}._router`).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it("routes IPv6 between segments too: the router's IPv6 gateways on the interfaces Docker attached it with", async () => {
    const name = labFor('dsegs6');
    labs.push(name);
    const result = await cli([
      'run',
      'test/fixtures/two-segments-v6.ts',
      '--backend',
      'docker',
      '--name',
      name,
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(stepsOf(result.stdout).map((s) => [s.metrics.target, s.metrics.ttl])).toEqual([['fd00:10:20:1::3', 61]]);
  });
});

const any = await anyLocalBackend();
describe(`the matrix still catches what differs, on ${any.backend}`, any.gate, () => {
  it('unreachable pairs and ttl mismatches, named pair by pair', async () => {
    const name = labFor('matrix-bad');
    const result = await cli(['run', 'test/fixtures/isolated.ts', '--backend', any.backend, '--name', name, '--json']);
    expect(result.code).toBe(1);
    const [all, ttl] = (JSON.parse(result.stdout) as JsonReport).runs[0]!.steps;
    expect(all!.metrics).toMatchObject({ pairs: 12, reached: 4, ttlMismatches: 0 });
    expect(all!.failures).toEqual([
      'ns01 -> ns11: unreachable',
      'ns01 -> ns12: unreachable',
      'ns02 -> ns11: unreachable',
      'ns02 -> ns12: unreachable',
      'ns11 -> ns01: unreachable',
      'ns11 -> ns02: unreachable',
      'ns12 -> ns01: unreachable',
      'ns12 -> ns02: unreachable',
    ]);
    expect(ttl!.metrics).toMatchObject({ pairs: 2, reached: 2, ttlMismatches: 2 });
    expect(ttl!.failures).toEqual([
      'ns01 -> ns02: ttl expected 61, actual 63',
      'ns02 -> ns01: ttl expected 61, actual 63',
    ]);
  });
});
