import { afterAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/report/json.js';
import { BACKENDS, cli, labFor, removeLabs } from './helpers.js';

const labs: string[] = [];
afterAll(() => removeLabs(...labs));

describe.skipIf(BACKENDS.length === 0).each(BACKENDS)('dual stack on %s', (backend) => {
  it('IPv6 beside IPv4: hop limit 62 both ways, the gateway fe80::ecee:eeff:feee:eeee resolved to ee:ee:ee:ee:ee:ee, routes via the peers', async () => {
    const lab = labFor(`${backend}-dual`);
    labs.push(lab);
    const result = await cli(['run', 'scenarios/dual-stack.ts', '--backend', backend, '--name', lab, '--json']);
    const steps = result.stdout ? ((JSON.parse(result.stdout) as JsonReport).runs[0]?.steps ?? []) : [];
    expect(steps.filter((s) => !s.passed).map((s) => [s.name, s.failures]), result.stderr).toEqual([]);
    expect(result.code).toBe(0);
    expect(steps.slice(0, 3).map((s) => [s.metrics.target, s.metrics.ttl])).toEqual([
      ['10.20.1.3', 62],
      ['fd00:10:20:1::3', 62],
      ['fd00:10:20:1::2', 62],
    ]);
    // The kernel's own view, read back from a lab kept up.
    expect((await cli(['up', 'scenarios/dual-stack.ts', '--backend', backend, '--name', lab])).code).toBe(0);
    const inside = await cli(['exec', lab, 'ns0', '--backend', backend, '--', 'ip', '-6', '-j', 'route', 'show', 'default']);
    expect(JSON.parse(inside.stdout)).toMatchObject([{ dst: 'default', gateway: 'fe80::ecee:eeff:feee:eeee', dev: 'eth0' }]);
    const host = await cli(['exec', lab, 'host0', '--backend', backend, '--', 'ip', '-6', '-j', 'addr', 'show', 'dev', 'ens192']);
    const addresses = (JSON.parse(host.stdout) as { addr_info: { local: string; tentative?: boolean }[] }[])[0]!.addr_info;
    expect(addresses.find((a) => a.local === 'fd00:192:168:1::32')).toBeDefined();
    // Nothing waits for duplicate address detection, which would hold forwarding back.
    expect(addresses.filter((a) => a.tentative)).toEqual([]);
    expect((await cli(['down', lab, '--backend', backend])).code).toBe(0);
  });
});
