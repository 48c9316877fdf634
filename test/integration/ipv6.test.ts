import { afterAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/report/json.js';
import { abilityOf, LOCAL_BACKENDS, needs } from '../support/abilities.js';
import { cli, labFor, removeLabs } from './helpers.js';

const labs: string[] = [];
afterAll(() => removeLabs(...labs));

for (const backend of LOCAL_BACKENDS)
  describe(`dual stack on ${backend}`, await needs(abilityOf(backend)), () => {
    it('IPv6 beside IPv4: hop limit 62 both ways, the gateway fe80::ecee:eeff:feee:eeee resolved to ee:ee:ee:ee:ee:ee, routes via the peers', async () => {
      const lab = labFor(`${backend}-dual`);
      labs.push(lab);
      const result = await cli(['run', 'scenarios/dual-stack.ts', '--backend', backend, '--name', lab, '--json']);
      const steps = result.stdout ? ((JSON.parse(result.stdout) as JsonReport).runs[0]?.steps ?? []) : [];
      expect(
        steps.filter((s) => !s.passed).map((s) => [s.name, s.failures]),
        result.stderr,
      ).toEqual([]);
      expect(result.code).toBe(0);
      expect(steps.slice(0, 3).map((s) => [s.metrics.target, s.metrics.ttl])).toEqual([
        ['10.20.1.3', 62],
        ['fd00:10:20:1::3', 62],
        ['fd00:10:20:1::2', 62],
      ]);
      // The kernel's own view, read back from a lab kept up.
      expect((await cli(['up', 'scenarios/dual-stack.ts', '--backend', backend, '--name', lab])).code).toBe(0);
      const inside = await cli([
        'exec',
        lab,
        'ns0',
        '--backend',
        backend,
        '--',
        'ip',
        '-6',
        '-j',
        'route',
        'show',
        'default',
      ]);
      expect(JSON.parse(inside.stdout)).toMatchObject([
        { dst: 'default', gateway: 'fe80::ecee:eeff:feee:eeee', dev: 'eth0' },
      ]);
      const host = await cli([
        'exec',
        lab,
        'host0',
        '--backend',
        backend,
        '--',
        'ip',
        '-6',
        '-j',
        'addr',
        'show',
        'dev',
        'ens192',
      ]);
      const addresses = (JSON.parse(host.stdout) as { addr_info: { local: string; tentative?: boolean }[] }[])[0]!
        .addr_info;
      expect(addresses.find((a) => a.local === 'fd00:192:168:1::32')).toBeDefined();
      // Nothing waits for duplicate address detection, which would hold forwarding back.
      expect(addresses.filter((a) => a.tentative)).toEqual([]);
      expect((await cli(['down', lab, '--backend', backend])).code).toBe(0);
    });

    it('dual stack with BGP and an IPv6-only workload: /128s learned over IPv6 sessions, hop limits read by ping, trace and the matrix over IPv6', async () => {
      const lab = labFor(`${backend}-dual-bgp`);
      labs.push(lab);
      const result = await cli(['run', 'scenarios/dual-stack-bgp.ts', '--backend', backend, '--name', lab, '--json']);
      const steps = result.stdout ? ((JSON.parse(result.stdout) as JsonReport).runs[0]?.steps ?? []) : [];
      expect(
        steps.filter((s) => !s.passed).map((s) => [s.name, s.failures]),
        result.stderr,
      ).toEqual([]);
      expect(result.code).toBe(0);
      const by = (kind: string) => steps.filter((s) => s.kind === kind).map((s) => s.metrics);
      // Three hosts, each with two IPv4 and two IPv6 sessions, learning the /32s of ns0 and ns1 and
      // all /128s but their own: 3 + 3 + 4 routes.
      expect(by('bgp')[0]).toMatchObject({ sessions: 12, established: 12, birdRoutes: 10 });
      expect(by('ping')[0]).toMatchObject({ target: 'fd00:10:20:1::4', ttl: 62 });
      expect(by('trace')[0]).toMatchObject({
        hops: 'ns0,host0,host1,ns1',
        ttls: '64,63,62',
        gateway: 'fe80::ecee:eeff:feee:eeee',
        ndAnswer: 'ee:ee:ee:ee:ee:ee',
      });
      expect(by('matrix').map((m) => [m.pairs, m.reached, m.ttlMismatches])).toEqual([
        [6, 6, 0],
        [2, 2, 0],
        [2, 0, 0],
      ]);
      expect(Number(by('iperf3')[0]!.bitsPerSecond)).toBeGreaterThan(0);
      // A wrong hop limit is seen as one: the prober reads it from each reply.
      const wrong = await cli([
        'run',
        'test/fixtures/dual-stack-ttl.ts',
        '--backend',
        backend,
        '--name',
        lab,
        '--json',
      ]);
      const wrongSteps = wrong.stdout ? ((JSON.parse(wrong.stdout) as JsonReport).runs[0]?.steps ?? []) : [];
      expect(wrong.code, wrong.stderr).toBe(1);
      expect(wrongSteps.map((s) => s.failures)).toEqual([
        ['ns0 -> ns1: ttl expected 63, actual 62', 'ns1 -> ns0: ttl expected 63, actual 62'],
      ]);
    });
  });
