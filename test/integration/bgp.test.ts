import { afterAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/report/json.js';
import type { StepResult } from '../../src/steps/result.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChecked, runProcess } from '../../src/util/process.js';
import { LOCAL_BACKENDS, needs, withBird } from '../support/abilities.js';
import { kernelAllows } from '../support/kernel.js';
import { cli, labExists, labFor, pathWithout, removeLabs, waitFor } from './helpers.js';

const labs: string[] = [];
afterAll(() => removeLabs(...labs));

async function runJson(
  file: string,
  backend: string,
  lab: string,
  extra: string[] = [],
): Promise<{ code: number | null; steps: StepResult[] }> {
  const result = await cli(['run', file, '--backend', backend, '--name', lab, '--json', ...extra]);
  return { code: result.code, steps: (JSON.parse(result.stdout) as JsonReport).runs[0]!.steps };
}

/** BIRD processes started for a lab: on netns their config lives under /run/testbed/<lab>. */
async function birdsOf(lab: string): Promise<string> {
  return (await runProcess('pgrep', ['-af', `bird -c /run/testbed/${lab}/`])).stdout.trim();
}

/** Whether this kernel has netem, told by the test itself (testbed's own verdict is what the faults test checks). */
const netem = await kernelAllows('tc qdisc add dev lo root netem delay 1ms');

for (const backend of LOCAL_BACKENDS)
  describe(`BGP with BIRD on ${backend}`, await needs(...withBird(backend)), () => {
    const lab = (tag: string) => {
      const name = labFor(`${backend}-${tag}`);
      labs.push(name);
      return name;
    };

    it('bgp-mesh: converges, every remote route is proto bird, every pair answers with the right ttl, iperf3 measures; check of the kept lab', async () => {
      const name = lab('mesh');
      const { code, steps } = await runJson('scenarios/bgp-mesh.ts', backend, name, ['--keep']);
      expect(steps.filter((s) => !s.passed).map((s) => s.failures)).toEqual([]);
      expect(code).toBe(0);
      const [bgp] = steps;
      expect(bgp!.metrics).toMatchObject({ sessions: 6, established: 6, birdRoutes: 12 });
      expect(bgp!.metrics.sinceLabReadyMs).toBeGreaterThan(0);
      const ttls = steps.filter((s) => s.kind === 'ping').map((s) => s.metrics.ttl);
      expect(ttls.filter((t) => t === 63)).toHaveLength(6);
      expect(ttls.filter((t) => t === 62)).toHaveLength(24);
      expect(
        steps.filter((s) => s.kind === 'route' && s.metrics.routes?.toString().includes('proto bird')),
      ).toHaveLength(12);
      expect(steps.find((s) => s.kind === 'matrix')!.metrics).toMatchObject({
        pairs: 30,
        reached: 30,
        ttlMismatches: 0,
      });
      expect(steps.at(-1)!.metrics.bitsPerSecond).toBeGreaterThan(1e8);
      // `check` finds the lab converged; when it became ready is not known to it, so it says nothing of it.
      const checked = await cli(['check', 'scenarios/bgp-mesh.ts', '--lab', name, '--test', '1', '--json']);
      expect(checked.code, checked.stderr).toBe(0);
      const [again] = (JSON.parse(checked.stdout) as JsonReport).runs[0]!.steps;
      expect(again).toMatchObject({ passed: true, metrics: { sessions: 6, established: 6, birdRoutes: 12 } });
      expect(again!.metrics).not.toHaveProperty('sinceLabReadyMs');
      // The kept lab holds the subnet the next scenarios use.
      expect((await cli(['down', name, '--backend', backend])).code).toBe(0);
    });

    it("route-reflector: clients learn each other's blocks through the reflector", async () => {
      const { code, steps } = await runJson('scenarios/route-reflector.ts', backend, lab('rr'));
      expect(steps.filter((s) => !s.passed).map((s) => s.failures)).toEqual([]);
      expect(code).toBe(0);
    });

    it('faults: delay, link down/up and a stopped BIRD are seen, then healed; without netem refused up front, or run with it skipped', async () => {
      const name = lab('faults');
      expect(netem, 'no network namespace to probe this kernel for netem in').toBeDefined();
      const refused = await cli(['run', 'scenarios/faults.ts', '--backend', backend, '--name', name, '--json']);
      if (!netem) {
        // This kernel has no sch_netem: refused before anything is built, saying why.
        expect(refused.code).toBe(3);
        expect(refused.stderr.trim()).toMatch(
          /^testbed: scenarios\/faults\.ts needs sch_netem for steps 3 and 5: this kernel (was built without CONFIG_NET_SCH_NETEM|cannot do it)/,
        );
        expect(await labExists(backend, name)).toBe(false);
      }
      const { code, steps } = netem
        ? { code: refused.code, steps: (JSON.parse(refused.stdout) as JsonReport).runs[0]!.steps }
        : await runJson('scenarios/faults.ts', backend, name, ['--skip-unsupported']);
      expect(steps.filter((s) => !s.passed && !s.skipped).map((s) => s.failures)).toEqual([]);
      expect(code).toBe(0);
      const skipped = steps.filter((s) => s.skipped).map((s) => s.name);
      expect(skipped).toEqual(
        netem ? [] : ['netem on host1: delay 50 ms', 'delay shows in the rtt', 'netem cleared on host1'],
      );
      const byName = (name: string) => steps.find((s) => s.name === name)!;
      if (netem) expect(byName('delay shows in the rtt').metrics.rttAvgMs).toBeGreaterThanOrEqual(50);
      expect(byName('ns1 unreachable while its veth is down').metrics.received).toBe(0);
      expect(byName('ns1 reachable again').metrics.ttl).toBe(62);
      expect(byName("host2's workload route withdrawn from host0").passed).toBe(true);
      expect(byName('ns2 reachable again').metrics.ttl).toBe(62);
      expect(steps.at(-1)!.metrics).toMatchObject({ protocol: 'udp', lossPercent: expect.any(Number) });
    });

    it('up: birdc works without flags, and routes vanish from host0 once BIRD stops on their host', async () => {
      const name = lab('stop');
      expect((await cli(['up', 'scenarios/bgp-mesh.ts', '--backend', backend, '--name', name])).code).toBe(0);
      const established = async () =>
        (await cli(['exec', name, 'host0', '--', 'birdc', 'show', 'protocols'])).stdout.match(
          /BGP\s+---\s+up\s+\S+\s+Established/g,
        )?.length ?? 0;
      await waitFor('both BGP sessions of host0 established', async () => (await established()) === 2);
      const routes = async () => (await cli(['exec', name, 'host0', '--', 'ip', 'route'])).stdout;
      expect(await routes()).toMatch(/10\.20\.1\.2 via 192\.168\.1\.11 dev ens192 proto bird/);

      expect((await cli(['exec', name, 'host1', '--', 'birdc', 'down'])).code).toBe(0);
      await waitFor("host1's routes withdrawn from host0", async () => !(await routes()).includes('10.20.1.'));
      expect(await routes()).toMatch(/10\.20\.2\.2 via 192\.168\.1\.12 dev ens192 proto bird/);

      expect((await cli(['down', name])).code).toBe(0);
      expect(await labExists(backend, name)).toBe(false);
      expect(await birdsOf(name)).toBe('');
    });

    it('stopHost/startHost: on docker the host goes away and comes back; netns refuses before building, or skips', async () => {
      if (backend === 'docker') {
        const { code, steps } = await runJson('test/fixtures/host-restart.ts', backend, lab('restart'));
        expect(steps.filter((s) => !s.passed).map((s) => s.failures)).toEqual([]);
        expect(code).toBe(0);
        expect(steps.find((s) => s.name === 'ns1 unreachable')!.metrics.received).toBe(0);
      } else {
        const name = lab('restart');
        const refused = await cli(['run', 'test/fixtures/stop-host.ts', '--backend', backend, '--name', name]);
        expect(refused.code).toBe(3);
        expect(refused.stderr.trim()).toBe(
          'testbed: test/fixtures/stop-host.ts needs stopping and starting hosts for step 1: the netns backend cannot do that (the docker backend or the swarm backend can)',
        );
        expect(await labExists(backend, name)).toBe(false);
        const { code, steps } = await runJson('test/fixtures/stop-host.ts', backend, name, ['--skip-unsupported']);
        // Its only step skipped, the scenario proved nothing: it does not pass.
        expect(code).toBe(1);
        expect(steps[0]).toMatchObject({
          skipped: true,
          skipReason:
            'needs stopping and starting hosts: the netns backend cannot do that (the docker backend or the swarm backend can)',
        });
      }
    });

    it("a configuration BIRD rejects: exit 3 naming the host and BIRD's message, nothing left running; the archive of its state holds the config", async () => {
      const name = lab('broken');
      const evidence = mkdtempSync(join(tmpdir(), 'testbed-bgp-evidence-'));
      try {
        const result = await cli([
          'run',
          'test/fixtures/bird-broken.ts',
          '--backend',
          backend,
          '--name',
          name,
          '--collect-on-failure',
          evidence,
        ]);
        expect(result.code).toBe(3);
        expect(result.stderr).toMatch(/^testbed: setting up host\d: bird: \S+bird\.conf:\d+:\d+ syntax error/);
        expect(await labExists(backend, name)).toBe(false);
        expect(await birdsOf(name)).toBe('');
        const archive = /\(the lab's state before it was removed: (\S+)\)/.exec(result.stderr)?.[1];
        expect(archive?.startsWith(evidence)).toBe(true);
        const config = await runChecked('reading the archive', 'tar', ['-xzOf', archive!, './lab/host0/bird.conf']);
        expect(config).toContain('protocol bgp broken { neighbor 192.168.1.99 as; }');
      } finally {
        rmSync(evidence, { recursive: true, force: true });
      }
    });
  });

describe('a machine without bird2', await needs('netns'), () => {
  it('netns: bgp-mesh exits 3 naming bird2 and install-deps.sh; nothing is created', async () => {
    const name = labFor('nobird');
    labs.push(name);
    const path = pathWithout(['bird', 'birdc']);
    const result = await cli(['run', 'scenarios/bgp-mesh.ts', '--backend', 'netns', '--name', name], {
      env: { PATH: path },
    });
    expect(result.code).toBe(3);
    expect(result.stderr.trim()).toBe(
      'testbed: scenarios/bgp-mesh.ts needs bird, birdc (package bird2) for routing: "bgp" and step 1: not found on this machine; install it with: sh scripts/install-deps.sh',
    );
    expect(await labExists('netns', name)).toBe(false);
  });
});
