import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { issuesOf, validScenario } from './scenario-input.js';
import { ScenarioError } from '../../src/errors.js';
import { loadLab, loadScenario } from '../../src/lab/load.js';

const withWorkloadAddress = (address: string) => {
  const s = validScenario();
  s.hosts[0]!.workloads![0]!.address = address;
  return issuesOf(s);
};

describe('addresses that cannot be a unicast host address are refused, with the reason', () => {
  it.each([
    ['0.0.0.0', '"this network"'],
    ['0.1.2.3', '"this network"'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['239.1.2.3', 'multicast'],
    ['127.0.0.1', 'loopback'],
    ['169.254.1.1', 'link-local'],
    ['10.20.1.2/0', 'puts segment ens192'],
    ['10.20.1.2/1', 'overlaps "this network"'],
    ['192.0.0.2/2', 'puts segment ens192'],
    ['10.20.1.0/24', 'network address of its own /24'],
    ['10.20.1.255/24', 'broadcast address of its own /24'],
    ['192.168.1.77', 'inside segment ens192'],
  ])('workload %s', (address, reason) => {
    const issues = withWorkloadAddress(address);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^hosts\[0\]\.workloads\[0\]\.address: /);
    expect(issues[0]).toContain(reason);
  });

  it("keeps the seed's /24 and a /32 valid", () => {
    expect(withWorkloadAddress('10.20.1.2/24')).toEqual([]);
    expect(withWorkloadAddress('10.20.1.9')).toEqual([]);
  });

  it.each([
    ['224.0.0.0/24', 'multicast'],
    ['127.0.0.0/24', 'loopback'],
    ['0.0.0.0/24', '"this network"'],
    ['240.0.0.0/24', 'reserved'],
    ['169.254.0.0/24', 'link-local'],
    ['0.0.0.0/0', '"this network"'],
  ])('segment %s', (subnet, reason) => {
    const s = validScenario();
    s.segments[0]!.subnet = subnet;
    const issues = issuesOf(s);
    expect(issues[0]).toMatch(/^segments\[0\]\.subnet: /);
    expect(issues[0]).toContain(reason);
    expect(issues).toHaveLength(1);
  });

  it('refuses two segments that share addresses (and so the gateway), naming the other', () => {
    const s = validScenario();
    s.segments = [
      { name: 'ens192', subnet: '192.168.1.0/24' },
      { name: 'ens224', subnet: '192.168.1.0/25' },
    ];
    s.hosts.forEach((h) => (h.segment = 'ens192'));
    expect(issuesOf(s)).toEqual(['segments[1].subnet: 192.168.1.0/25 overlaps segment ens192 (192.168.1.0/24)']);
  });
});

describe('what the kernel would refuse is refused at load time, with the field', () => {
  it.each(['lo', 'all', 'default', 'tunl0', 'sit0', 'vxlan.calico'])('interface name %s', (name) => {
    const s = validScenario();
    s.segments[0]!.name = name;
    s.hosts.forEach((h) => (h.segment = name));
    s.hosts[0]!.workloads![0]!.interface = name;
    s.hosts[1]!.workloads![0]!.hostInterface = name;
    const taken = `"${name}" is taken: the kernel or testbed names an interface so (lo, all, default, tunl0, gre0, gretap0, erspan0, ip_vti0, ip6_vti0, sit0, ip6tnl0, ip6gre0, vxlan.calico)`;
    expect(issuesOf(s)).toEqual([
      `segments[0].name: ${taken}`,
      `hosts[0].workloads[0].interface: ${taken}`,
      `hosts[1].workloads[0].hostInterface: ${taken}`,
    ]);
  });

  it.each([
    ['01:00:5e:00:00:01', 'multicast'],
    ['ff:ff:ff:ff:ff:ff', 'multicast'],
    ['00:00:00:00:00:00', 'all zeros'],
  ])('a veth MAC %s', (mac, reason) => {
    const s = validScenario();
    s.hosts[0]!.workloads![0]!.hostMac = mac;
    expect(issuesOf(s)).toEqual([
      `hosts[0].workloads[0].hostMac: ${mac} is ${reason === 'all zeros' ? 'all zeros' : 'a multicast MAC (the first octet is odd)'}; a veth needs a unicast MAC`,
    ]);
  });

  it('a hostInterface equal to the generated cali name of another workload on the host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'testbed-clash-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const first = await loadLab('scenarios/two-host.ts');
    const cali = first.topology.hosts[0]!.workloads[0]!.hostInterface;
    const file = join(dir, 'clash.ts');
    writeFileSync(
      file,
      `export default { name: 'two-host', segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }], hosts: [
        { name: 'host0', address: '192.168.1.32', workloads: [{ name: 'ns0', address: '10.20.1.2' }, { name: 'nsx', address: '10.20.1.9', hostInterface: '${cali}' }] },
      ] };`,
    );
    await expect(loadLab(file)).rejects.toThrow(
      `${file}: hosts[0].workloads[1].hostInterface: interface "${cali}" on host0 is already the veth of workload ns0`,
    );
  });
});

describe('files that are not scenarios end in one line, never a crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'testbed-hostile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it.each([
    [
      'no-default.ts',
      'export const scenario = { name: "x" };',
      'has no default export (export default defineScenario({...}))',
    ],
    ['null.ts', 'export default null;', 'the default export must be a scenario object'],
    ['number.mjs', 'export default 42;', 'the default export must be a scenario object'],
    [
      'getter.ts',
      'export default { get name() { throw new Error("getter exploded"); } };',
      'cannot be read: getter exploded',
    ],
    ['throws.ts', 'throw new Error("boom at load");', 'cannot be loaded: boom at load'],
    ['syntax.ts', 'export default {', 'cannot be loaded'],
  ])('%s', async (name, text, message) => {
    const path = file(name, text);
    const error = await loadScenario(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as Error).message.split('\n')).toHaveLength(1);
    expect((error as Error).message).toContain(`${path}: ${message}`);
  });

  it('block: 33 is one line about the block, no crash in the cross-checks', () => {
    const s = validScenario();
    s.routing = 'bgp';
    s.bgp = { block: 33 };
    expect(issuesOf(s)).toEqual(['bgp.block: Too big: expected number to be <=32']);
  });

  it('segments: [] is one line, with no follow-on noise', () => {
    const s = validScenario();
    s.segments = [];
    expect(issuesOf(s)).toEqual(['segments: needs at least one segment']);
  });
});
