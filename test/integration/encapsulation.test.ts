import { afterAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/report/json.js';
import { abilityOf, LOCAL_BACKENDS, needs } from '../support/abilities.js';
import { kernelAllows } from '../support/kernel.js';
import { cli, labFor, removeLabs } from './helpers.js';

const labs: string[] = [];
afterAll(() => removeLabs(...labs));

/** Whether this kernel can make IPIP devices, told by the test itself in a throwaway namespace. */
const kernelHasIpip = await kernelAllows('ip link add probe type ipip remote 192.0.2.1');

async function runScenario(file: string, backend: string, tag: string) {
  const lab = labFor(tag);
  labs.push(lab);
  const result = await cli(['run', file, '--backend', backend, '--name', lab, '--json']);
  const steps = result.stdout ? ((JSON.parse(result.stdout) as JsonReport).runs[0]?.steps ?? []) : [];
  return { result, steps, lab };
}

for (const backend of LOCAL_BACKENDS)
  describe(`encapsulation on ${backend}`, await needs(abilityOf(backend)), () => {
    it('vxlan: ttl 62, the route and VTEP neighbour programmed, the 1450 MTU edge, the outer header on the wire', async () => {
      const { result, steps, lab } = await runScenario('scenarios/vxlan.ts', backend, `${backend}-vxlan`);
      expect(steps.filter((s) => !s.passed).map((s) => [s.name, s.failures])).toEqual([]);
      expect(result.code).toBe(0);
      expect(steps.map((s) => s.metrics.ttl).slice(0, 2)).toEqual([62, 62]);
      expect(steps[4]!.metrics).toMatchObject({ size: 1422, mtu: 1450, ttl: 62 });
      expect(steps[5]!.metrics).toMatchObject({ size: 1423, mtu: 1450, received: 0 });
      expect(String(steps[5]!.metrics.error)).toMatch(/message too long, mtu=1450/);
      expect(steps[6]!.metrics).toMatchObject({
        encapsulation: 'vxlan',
        tunnel: 'VXLAN (UDP 4789, vni 4096, 192.168.1.32 → 192.168.1.16)',
      });
      // The device as the kernel reports it, read back from a lab kept up.
      expect((await cli(['up', 'scenarios/vxlan.ts', '--backend', backend, '--name', lab])).code).toBe(0);
      const link = await cli([
        'exec',
        lab,
        'host0',
        '--backend',
        backend,
        '--',
        'ip',
        '-d',
        '-j',
        'link',
        'show',
        'dev',
        'vxlan.calico',
      ]);
      const [device] = JSON.parse(link.stdout) as {
        mtu: number;
        address: string;
        linkinfo: { info_data: { id: number; port: number; learning: boolean } };
      }[];
      expect(device).toMatchObject({
        mtu: 1450,
        address: '66:ca:c0:a8:01:20',
        linkinfo: { info_data: { id: 4096, port: 4789, learning: false } },
      });
      expect((await cli(['down', lab, '--backend', backend])).code).toBe(0);
    });

    it('ipip: on a kernel with IPIP ttl 62, routed via the other host on tunl0, the 1480 MTU edge, protocol 4 on the wire; on one without, refused before anything is made', async () => {
      expect(kernelHasIpip, 'no network namespace to probe this kernel for IPIP in').toBeDefined();
      const { result, steps, lab } = await runScenario('scenarios/ipip.ts', backend, `${backend}-ipip`);
      if (!kernelHasIpip) {
        expect(result.code).toBe(3);
        expect(result.stderr.trim()).toBe(
          'testbed: scenarios/ipip.ts needs ipip for encapsulation: "ipip": this kernel was built without CONFIG_NET_IPIP',
        );
        expect((await cli(['ls', '--json', '--backend', backend])).stdout).not.toContain(lab);
        return;
      }
      expect(steps.filter((s) => !s.passed).map((s) => [s.name, s.failures])).toEqual([]);
      expect(result.code).toBe(0);
      expect(steps[3]!.metrics).toMatchObject({ size: 1452, mtu: 1480, ttl: 62 });
      expect(String(steps[4]!.metrics.error)).toMatch(/message too long, mtu=1480/);
      expect(steps[5]!.metrics).toMatchObject({ encapsulation: 'ipip' });
    });
  });

for (const backend of LOCAL_BACKENDS)
  describe(`crossSubnet on ${backend}`, await needs(abilityOf(backend)), () => {
    it('direct within a segment, VXLAN across, where ttl stays 62 (the fabric hop hidden); every pair of hosts and workloads as the topology says', async () => {
      const { result, steps } = await runScenario('scenarios/cross-subnet.ts', backend, `${backend}-xsub`);
      expect(steps.filter((s) => !s.passed).map((s) => [s.name, s.failures])).toEqual([]);
      expect(result.code).toBe(0);
      expect(steps[4]!.metrics).toMatchObject({ encapsulation: 'none', tunnel: null });
      expect(steps[5]!.metrics).toMatchObject({
        encapsulation: 'vxlan',
        tunnel: 'VXLAN (UDP 4789, vni 4096, 192.168.1.10 → 192.168.2.10)',
      });
      expect(steps[7]!.metrics).toMatchObject({ pairs: 30, reached: 30, ttlMismatches: 0 });
    });
  });

for (const backend of LOCAL_BACKENDS)
  describe(`IP pools on ${backend}`, await needs(abilityOf(backend)), () => {
    it('each workload reached as its pool says: the wire read by trace, ttl 61 for the direct pool across racks and 62 inside the tunnel', async () => {
      const { result, steps } = await runScenario('scenarios/ip-pools.ts', backend, `${backend}-pools`);
      expect(steps.filter((s) => !s.passed).map((s) => [s.name, s.failures])).toEqual([]);
      expect(result.code).toBe(0);
      expect(steps.filter((s) => s.kind === 'trace').map((s) => s.metrics.encapsulation)).toEqual([
        'none',
        'vxlan',
        'vxlan',
        'none',
      ]);
      expect(steps.find((s) => s.kind === 'matrix')!.metrics).toMatchObject({
        pairs: 12,
        reached: 12,
        ttlMismatches: 0,
      });
      const racks = await runScenario('test/fixtures/pools-two-segments.ts', backend, `${backend}-pools2`);
      expect(racks.steps.filter((s) => !s.passed).map((s) => [s.name, s.failures])).toEqual([]);
      expect(racks.steps.slice(0, 2).map((s) => s.metrics.ttl)).toEqual([61, 62]);
      expect(racks.steps[2]!.metrics).toMatchObject({ pairs: 30, reached: 30, ttlMismatches: 0 });
    });
  });
