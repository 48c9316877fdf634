import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { issuesOf, validScenario } from './scenario-input.js';
import { loadScenario } from '../../src/lab/load.js';
import { parseScenario, validateStep } from '../../src/steps/scenario.js';
import type { ScenarioInput } from '../../src/steps/scenario.js';
import { tunnelAddressOf } from '../../src/topology/definition.js';
import { resolveTopology } from '../../src/topology/topology.js';

describe('scenario schema', () => {
  it('accepts the two-host shape and fills defaults', () => {
    const s = parseScenario('s.ts', validScenario());
    expect(s.routing).toBe('static');
    expect(s.hosts[0]!.workloads[0]).toMatchObject({ interface: 'eth0', hostMac: 'ee:ee:ee:ee:ee:ee', proxyDelay: 0 });
    expect(s.steps[0]).toMatchObject({
      ping: { count: 3, interval: 0.2, size: 56 },
      expect: { reachable: true, ttl: 62 },
    });
  });

  it('rejects a duplicate address, naming the first owner', () => {
    const s = validScenario();
    s.hosts[1]!.workloads![0]!.address = '10.20.1.2';
    expect(issuesOf(s)).toEqual([
      'hosts[1].workloads[0].address: duplicate address 10.20.1.2 (already used by workload ns0)',
    ]);
  });

  it('rejects a host address taken by the default gateway', () => {
    const s = validScenario();
    s.hosts[0]!.address = '192.168.1.1';
    expect(issuesOf(s)).toEqual([
      'hosts[0].address: duplicate address 192.168.1.1 (already used by the gateway of segment ens192)',
    ]);
  });

  it('rejects an unknown node in a step', () => {
    const s = validScenario();
    s.steps = [{ ping: { from: 'ns9', to: 'ns1' } }];
    expect(issuesOf(s)).toEqual(['steps[0].ping.from: unknown node "ns9" (nodes: host0, ns0, host1, ns1)']);
  });

  it('rejects an address outside its segment', () => {
    const s = validScenario();
    s.hosts[1]!.address = '192.168.2.16';
    expect(issuesOf(s)).toEqual(['hosts[1].address: 192.168.2.16 is outside segment ens192 (192.168.1.0/24)']);
  });

  it('rejects bad CIDRs and subnets with host bits', () => {
    const s = validScenario();
    s.segments[0]!.subnet = '192.168.1.0/33';
    expect(issuesOf(s)).toEqual(['segments[0].subnet: is not an IPv4 CIDR such as 192.168.1.0/24']);
    s.segments[0]!.subnet = '192.168.1.7/24';
    expect(issuesOf(s)).toEqual([
      'segments[0].subnet: 192.168.1.7/24 has host bits set; the network is 192.168.1.0/24',
    ]);
    s.segments[0]!.subnet = '192.168.1.0/24';
    s.hosts[0]!.workloads![0]!.address = '10.20.1.256';
    expect(issuesOf(s)).toEqual(['hosts[0].workloads[0].address: is not an IPv4 address (optionally with /prefix)']);
  });

  it('rejects names too long for an interface', () => {
    const s = validScenario();
    s.segments[0]!.name = 'ens192-uplink-xyz';
    s.hosts.forEach((h) => (h.segment = 'ens192-uplink-xyz'));
    expect(issuesOf(s)).toEqual([
      'segments[0].name: is longer than 15 characters, the limit for a Linux interface name',
    ]);
    const t = validScenario();
    t.hosts[0]!.workloads![0]!.hostInterface = 'a-very-long-veth0';
    expect(issuesOf(t)).toEqual([
      'hosts[0].workloads[0].hostInterface: is longer than 15 characters, the limit for a Linux interface name',
    ]);
  });

  it('rejects unknown fields and says which', () => {
    const s = validScenario() as unknown as { hosts: Record<string, unknown>[] };
    s.hosts[0]!.adress = '192.168.1.40';
    expect(issuesOf(s)).toEqual(['hosts[0]: unknown field "adress"']);
  });

  it('reports the problem inside the step kind the author meant', () => {
    const s = validScenario() as unknown as { steps: unknown[] };
    s.steps = [{ ping: { from: 'ns0', to: 'ns1', count: 0 } }, { pong: {} }];
    expect(issuesOf(s)).toEqual([
      'steps[0].ping.count: Too small: expected number to be >=1',
      'steps[1]: must have exactly one of ping, matrix, route, neighbour, sysctl, bgp, iperf3, wait, linkDown, linkUp, netem, stopBgp, startBgp, stopHost, startHost, trace, mtu',
    ]);
  });

  it('keeps workload addresses off the segments and out of link-local space', () => {
    const s = validScenario();
    s.hosts[0]!.workloads![0]!.address = '192.168.1.77';
    s.hosts[1]!.workloads![0]!.address = '169.254.1.1';
    expect(issuesOf(s)).toEqual([
      'hosts[0].workloads[0].address: 192.168.1.77 is inside segment ens192 (192.168.1.0/24); workloads are routed, not bridged',
      "hosts[1].workloads[0].address: 169.254.1.1 is link-local (169.254.0.0/16), where every workload's gateway 169.254.1.1 lives",
    ]);
  });

  it('checks {veth:...} references', () => {
    const s = validScenario();
    s.steps = [{ sysctl: { node: 'host0', key: 'net.ipv4.conf.{veth:nsX}.proxy_arp' }, expect: 1 }];
    expect(issuesOf(s)).toEqual(['steps[0].sysctl.key: {veth:nsX} names no workload']);
  });

  it('needs a segment per host when there are several', () => {
    const s = validScenario();
    s.segments.push({ name: 'ens224', subnet: '192.168.2.0/24' });
    expect(issuesOf(s)).toContain('hosts[0].segment: is required when the scenario has more than one segment');
  });
});

describe('one pass, the true reason', () => {
  it('reports a bad field of a step under that field, not as a step of no kind', () => {
    const s = validScenario();
    s.steps = [{ matrix: {}, expect: { ttl: 'topolgy' as never } }];
    expect(issuesOf(s)).toEqual(['steps[0].expect.ttl: Invalid input']);
  });

  it('reports shape errors and reference errors together', () => {
    const s = validScenario();
    s.hosts[0]!.address = 'not-an-address';
    s.steps = [
      { ping: { from: 'ns9', to: 'ns1' } },
      { stopBgp: 'host0' },
      { sysctl: { node: 'host0', key: 'net.ipv4.conf.{veth:nope}.proxy_arp' }, expect: 1 },
    ];
    expect(issuesOf(s)).toEqual([
      'hosts[0].address: is not an IPv4 address',
      'steps[0].ping.from: unknown node "ns9" (nodes: host0, ns0, host1, ns1)',
      'steps[1].stopBgp: needs routing: "bgp"',
      'steps[2].sysctl.key: {veth:nope} names no workload',
    ]);
  });

  it('says a missing field is required, and a step needs one kind', () => {
    const s = validScenario() as unknown as { steps: unknown[]; hosts: Record<string, unknown>[] };
    delete s.hosts[1]!.address;
    s.steps = [
      { sysctl: { node: 'host0', key: 'net.ipv4.ip_forward' } },
      { expect: { ttl: 62 } },
      { ping: { from: 'ns0', to: 'ns1' }, route: { node: 'host0', to: 'default' } },
    ];
    expect(issuesOf(s)).toEqual([
      'hosts[1].address: is required',
      'steps[0].expect: is required',
      expect.stringMatching(/^steps\[1\]: must have exactly one of ping, matrix, route, /),
      'steps[2]: has several kinds (ping, route); a step has one',
    ]);
  });

  it('a bad name hides none of the cross-field problems', () => {
    const s = validScenario() as unknown as Record<string, unknown> & ScenarioInput;
    s.name = 'Bad';
    s.segments = [
      { name: 'ens192', subnet: '192.168.1.0/31' },
      { name: 'ens192', subnet: '192.168.2.0/24' },
    ];
    s.hosts = [
      { name: 'host0', segment: 'ens192', address: '192.168.2.32' },
      { name: 'host0', segment: 'ens9', address: '192.168.2.16' },
    ];
    s.routing = 'bgp';
    s.bgp = { reflectors: ['nope'] };
    s.steps = [];
    expect(issuesOf(s)).toEqual([
      'name: must be lower-case letters, digits and "-", starting with a letter or digit',
      'segments[0].subnet: /31 leaves no room for a gateway and hosts',
      'segments[1].name: duplicate segment name "ens192"',
      'hosts[0].address: 192.168.2.32 is outside segment ens192 (192.168.1.0/31)',
      'hosts[1].name: duplicate node name "host0"',
      'hosts[1].segment: unknown segment "ens9"',
      'bgp.reflectors[0]: "nope" is not a host',
    ]);
  });

  it('a step with a bad field still has its references checked', () => {
    const s = validScenario() as unknown as { steps: unknown[] };
    s.steps = [
      { ping: { from: 'nsX', to: '256.1.1.1' }, expect: { ttl: 'x' } },
      { route: { node: 'host0', to: 'nowhere', dev: '{veth:zz}' } },
      { wait: { node: 'ghost', command: [] } },
    ];
    expect(issuesOf(s)).toEqual([
      'steps[0].expect.ttl: Invalid input: expected number, received string',
      'steps[0].ping.from: unknown node "nsX" (nodes: host0, ns0, host1, ns1)',
      'steps[0].ping.to: "256.1.1.1" is not an IPv4 address',
      'steps[1].route.to: is neither an IPv4 or IPv6 destination nor "default"',
      'steps[1].route.dev: {veth:zz} names no workload',
      'steps[2].wait.command: Too small: expected array to have >=1 items',
      'steps[2].wait.node: unknown node "ghost" (nodes: host0, ns0, host1, ns1)',
    ]);
  });

  it('tells an address that is not one from an unknown node', () => {
    const s = validScenario();
    s.steps = [{ ping: { from: 'ns0', to: '256.1.1.1' } }];
    expect(issuesOf(s)).toEqual(['steps[0].ping.to: "256.1.1.1" is not an IPv4 address']);
  });

  it('rejects a default export that is not a scenario object', () => {
    expect(issuesOf(null)).toEqual([
      ': the default export must be a scenario object (export default defineScenario({...}))',
    ]);
    expect(issuesOf([1, 2])).toEqual([
      ': the default export must be a scenario object (export default defineScenario({...}))',
    ]);
  });
});

describe('BGP settings and fault steps', () => {
  it('rejects reflectors that are not hosts and BGP steps without BGP routing', () => {
    const s = validScenario();
    s.bgp = { reflectors: ['ns0'] };
    s.steps = [{ stopBgp: 'host0' }, { bgp: {} }];
    expect(issuesOf(s)).toEqual([
      'bgp.reflectors[0]: "ns0" is not a host',
      'steps[0].stopBgp: needs routing: "bgp"',
      'steps[1].bgp: needs routing: "bgp"',
    ]);
  });

  it('rejects workloads of one host spread over several blocks, and blocks shared by hosts', () => {
    const s = validScenario();
    s.routing = 'bgp';
    s.bgp = { block: 26 };
    s.hosts[0]!.workloads!.push({ name: 'ns9', address: '10.20.1.70' });
    s.hosts[1]!.workloads![0]!.address = '10.20.1.3';
    expect(issuesOf(s)).toEqual([
      'hosts[0].workloads: workloads of host0 span several /26 blocks (10.20.1.0, 10.20.1.64)',
      "hosts[1].workloads: block 10.20.1.0/26 is also used by host0: give each host's workloads addresses from a /26 of their own",
    ]);
  });

  it('names a fault on an unknown node and a malformed rate', () => {
    const s = validScenario();
    s.steps = [{ linkDown: 'ns7' }, { netem: { node: 'host0', rate: 'fast' } }];
    expect(issuesOf(s)).toEqual([
      'steps[0].linkDown: unknown node "ns7" (nodes: host0, ns0, host1, ns1)',
      'steps[1].netem.rate: is not a tc rate such as 10mbit',
    ]);
  });
});

describe('encapsulation', () => {
  const encapsulated = (mode: 'ipip' | 'vxlan'): ScenarioInput => {
    const s: ScenarioInput = { ...validScenario(), encapsulation: mode, bgp: { block: 26 } };
    s.hosts[1]!.workloads![0]!.address = '10.20.2.3';
    return s;
  };

  it('takes each host tunnel address from its block, or its own', () => {
    const s = encapsulated('vxlan');
    s.hosts[1]!.tunnelAddress = '10.99.0.1';
    expect(parseScenario('s.ts', s).hosts.map((h) => h.tunnelAddress)).toEqual([undefined, '10.99.0.1']);
    expect(tunnelAddressOf(parseScenario('s.ts', s).hosts[0]!, 26)).toBe('10.20.1.0');
    expect(issuesOf({ ...s, hosts: s.hosts.map((h) => ({ ...h, tunnelAddress: '10.20.1.2' })) })).toEqual([
      'hosts[0].tunnelAddress: the tunnel address 10.20.1.2 of host0 is already used by workload ns0',
      'hosts[1].tunnelAddress: the tunnel address 10.20.1.2 of host1 is already used by workload ns0',
    ]);
  });

  it('needs a tunnel address for every host, unicast, off the segments, not link-local, not shared', () => {
    const s: ScenarioInput = { ...validScenario(), encapsulation: 'ipip' };
    s.hosts[1]!.tunnelAddress = '192.168.1.77';
    expect(issuesOf(s)).toEqual([
      'hosts[0]: encapsulation "ipip" needs a tunnel address for host0: set tunnelAddress, or bgp.block so that it comes from the host\'s block',
      'hosts[1].tunnelAddress: 192.168.1.77 is inside segment ens192 (192.168.1.0/24); a tunnel address is routed, not bridged',
    ]);
    s.hosts[0]!.tunnelAddress = '169.254.9.9';
    s.hosts[1]!.tunnelAddress = '224.0.0.5';
    expect(issuesOf(s)).toEqual([
      "hosts[0].tunnelAddress: 169.254.9.9 is link-local (169.254.0.0/16), where every workload's gateway lives",
      'hosts[1].tunnelAddress: 224.0.0.5 is multicast (224.0.0.0/4)',
    ]);
    // Two hosts whose blocks start at the same address.
    const shared = encapsulated('vxlan');
    shared.bgp = { block: 16 };
    expect(issuesOf(shared)).toEqual([
      // Their tunnel addresses clash only because the block does: one problem, said once, with its fix.
      "hosts[1].workloads: block 10.20.0.0/16 is also used by host0: give each host's workloads addresses from a /16 of their own",
    ]);
  });

  it('goes with static routing, and crossSubnet or tunnel addresses only with an encapsulation', () => {
    expect(issuesOf({ ...encapsulated('vxlan'), routing: 'bgp' })).toEqual([
      'routing: Calico programs VXLAN routes itself, without BGP: use routing "static" with encapsulation "vxlan"',
    ]);
    expect(issuesOf({ ...encapsulated('ipip'), routing: 'bgp' })).toEqual([
      'routing: BIRD 2 cannot route into tunl0 (Calico patches BIRD for that): use routing "static" with encapsulation "ipip"',
    ]);
    expect(issuesOf({ ...encapsulated('ipip'), routing: 'none', steps: [] })).toEqual([
      'encapsulation: "ipip" needs routing "static": with routing "none" nothing is routed into the tunnel',
    ]);
    const direct = validScenario();
    direct.crossSubnet = true;
    direct.hosts[0]!.tunnelAddress = '10.99.0.1';
    expect(issuesOf(direct)).toEqual([
      'hosts[0].tunnelAddress: needs encapsulation "ipip" or "vxlan"',
      'crossSubnet: needs encapsulation "ipip" or "vxlan": it says between which hosts to encapsulate',
    ]);
    expect(issuesOf({ ...validScenario(), encapsulation: 'gre' })[0]).toMatch(/^encapsulation: /);
    expect(issuesOf({ ...encapsulated('vxlan'), crossSubnet: true })).toEqual([
      'crossSubnet: every host is on one segment, so nothing would be encapsulated: use encapsulation "direct", or put hosts on several segments',
    ]);
    const bare = encapsulated('ipip');
    bare.hosts[1]!.workloads = [];
    bare.steps = [];
    expect(issuesOf(bare)).toEqual([
      'hosts[1]: encapsulation "ipip" needs a tunnel address for host1: set tunnelAddress, as it has no workloads, it has no block to take one from',
    ]);
  });
  it('takes IP pools: one tunnel kind per lab, pools apart, network addresses, crossSubnet with an encapsulation', () => {
    const withPools = (pools: unknown[]): ScenarioInput => {
      const s = { ...encapsulated('vxlan'), encapsulation: 'direct', pools } as ScenarioInput;
      return s;
    };
    const pooled = parseScenario('s.ts', withPools([{ cidr: '10.20.1.0/24', encapsulation: 'vxlan' }]));
    // A pool's encapsulation makes the lab's tunnel: hosts need tunnel addresses, as with the scenario's.
    expect(resolveTopology(pooled).encapsulation).toBe('vxlan');
    // ns0 (10.20.1.2) is in the pool, ns1 (10.20.2.3) is not: the scenario's "direct" applies.
    expect(resolveTopology(pooled).workloads.map((w) => w.encapsulation)).toEqual(['vxlan', 'direct']);
    expect(
      issuesOf(
        withPools([
          { cidr: '10.20.1.0/24', encapsulation: 'vxlan' },
          { cidr: '10.20.2.0/24', encapsulation: 'ipip' },
          { cidr: '10.20.0.0/16', encapsulation: 'direct' },
          { cidr: '10.30.1.1/24', encapsulation: 'direct' },
          { cidr: '192.168.0.0/16', encapsulation: 'direct' },
          { cidr: '169.254.0.0/16', encapsulation: 'direct' },
          { cidr: '10.40.0.0/16', encapsulation: 'direct' },
        ]),
      ),
    ).toEqual([
      'pools: ipip and vxlan in one lab: each host has one tunnel address, so a lab encapsulates one way (or not at all)',
      'pools[2].cidr: 10.20.0.0/16 overlaps pools[0] (10.20.1.0/24): a workload belongs to one pool',
      'pools[3].cidr: 10.30.1.1/24 has host bits set; the network is 10.30.1.0/24',
      'pools[4].cidr: 192.168.0.0/16 overlaps segment ens192 (192.168.1.0/24); a pool holds workload addresses, which are routed',
      "pools[5].cidr: 169.254.0.0/16 overlaps link-local 169.254.0.0/16, where every workload's gateway 169.254.1.1 lives",
      "pools[6].cidr: 10.40.0.0/16 holds no workload's address: a pool decides only how its workloads are reached",
    ]);
    // A pool that does not parse is reported alone: the lab's tunnel is unknown without it.
    const tunnels = withPools([{ cidr: '10.20.1.0/24', encapsulation: 'vxlan', crossSubnet: 'yes' }]);
    tunnels.hosts.forEach((h, i) => (h.tunnelAddress = `10.99.0.${i + 1}`));
    expect(issuesOf(tunnels)).toEqual(['pools[0].crossSubnet: Invalid input: expected boolean, received string']);
    expect(issuesOf({ ...withPools([{ cidr: '10.20.1.0/24', encapsulation: 'direct', crossSubnet: true }]) })).toEqual([
      'pools[0].crossSubnet: needs encapsulation "ipip" or "vxlan": it says between which hosts to encapsulate',
    ]);
    // The error names the pool that asks for the tunnel.
    expect(
      issuesOf({ ...withPools([{ cidr: '10.20.1.0/24', encapsulation: 'vxlan' }]), routing: 'none', steps: [] }),
    ).toEqual([
      'pools[0].encapsulation: "vxlan" needs routing "static": with routing "none" nothing is routed into the tunnel',
    ]);
  });
});

describe('dual stack', () => {
  const dual = (): ScenarioInput => {
    const s = validScenario();
    s.segments[0]!.subnet6 = 'fd00:192:168:1::/64';
    s.hosts[0]!.address6 = 'fd00:192:168:1::32';
    s.hosts[1]!.address6 = 'fd00:192:168:1::16';
    s.hosts[0]!.workloads![0]!.address6 = 'fd00:10:20:1::2';
    s.hosts[1]!.workloads![0]!.address6 = 'fd00:10:20:1::3';
    return s;
  };

  it('gives each workload the link-local address its host end has as IPv6 gateway', () => {
    const topology = resolveTopology(parseScenario('s.ts', dual()));
    expect(topology.segments[0]).toMatchObject({
      subnet6: { address: 'fd00:192:168:1::', prefix: 64 },
      gateway6: 'fd00:192:168:1::1',
    });
    expect(topology.workloads[0]).toMatchObject({ address6: 'fd00:10:20:1::2', gateway6: 'fe80::ecee:eeff:feee:eeee' });
  });

  it('refuses addresses out of place, used twice, or without what routes them', () => {
    const s = dual();
    s.hosts[0]!.address6 = 'fd00:99::32';
    s.hosts[1]!.workloads![0]!.address6 = 'fd00:192:168:1::77';
    s.hosts[0]!.workloads![0]!.address6 = 'fe80::2';
    expect(issuesOf(s)).toEqual([
      'hosts[0].address6: fd00:99::32 is outside segment ens192 (fd00:192:168:1::/64)',
      'hosts[0].workloads[0].address6: fe80::2 is link-local (fe80::/10)',
      'hosts[1].workloads[0].address6: fd00:192:168:1::77 is inside segment ens192 (fd00:192:168:1::/64); workloads are routed, not bridged',
    ]);
    const twice = dual();
    twice.hosts[1]!.workloads![0]!.address6 = 'FD00:10:20:1:0::2';
    expect(issuesOf(twice)).toEqual([
      'hosts[1].workloads[0].address6: duplicate address FD00:10:20:1:0::2 (already used by workload ns0)',
    ]);
    const bare = dual();
    delete bare.segments[0]!.subnet6;
    delete bare.hosts[1]!.address6;
    bare.hosts[0]!.workloads![0]!.hostMac = 'kernel';
    expect(issuesOf(bare)).toEqual([
      'hosts[0].address6: needs subnet6 on segment ens192',
      "hosts[0].workloads[0].hostMac: must be a fixed MAC with an address6: the link-local address it gives is the workload's IPv6 gateway",
      'hosts[1].workloads[0].address6: needs an address6 on host host1: it is the next hop of routes to this workload',
    ]);
  });

  it('keeps subnets clear of special ranges and steps to one family', () => {
    const s = dual();
    s.segments[0]!.subnet6 = 'fe00::/7';
    expect(issuesOf(s)[0]).toBe('segments[0].subnet6: fe00::/7 overlaps link-local addresses (fe80::/10)');
    const g = dual();
    g.segments[0]!.gateway6 = 'fd00:192:168:1::';
    expect(issuesOf(g)).toEqual([
      'segments[0].gateway6: fd00:192:168:1:: is the network address of fd00:192:168:1::/64 (the subnet-router anycast address every router answers)',
    ]);
    const mapped = dual();
    mapped.hosts[0]!.workloads![0]!.address6 = '::ffff:a14:102';
    expect(issuesOf(mapped)).toEqual([
      'hosts[0].workloads[0].address6: ::ffff:a14:102 is an IPv4-mapped address (::ffff:0:0/96)',
    ]);
    const embedded = dual();
    embedded.hosts[0]!.workloads![0]!.address6 = 'fd00::10.20.1.2';
    expect(issuesOf(embedded)).toEqual([]);
    const steps = dual();
    steps.steps = [
      { ping: { from: 'ns0', to: 'fe80::ecee:eeff:feee:eeee' } },
      { route: { node: 'host0', to: '10.20.1.3', via: 'fd00:192:168:1::16' } },
      { route: { node: 'ns0', to: '::/0', via: 'fe80::ecee:eeff:feee:eeee' } },
    ];
    expect(issuesOf(steps)).toEqual([
      'steps[0].ping.to: "fe80::ecee:eeff:feee:eeee" is link-local: which link cannot be said here; ping a global address',
      'steps[1].route.via: is of the other IP family than route.to',
    ]);
  });

  it('goes with static or BGP routing, and no encapsulation so far', () => {
    expect(issuesOf({ ...dual(), routing: 'bgp' })).toEqual([]);
    const tunnelled: ScenarioInput = { ...dual(), encapsulation: 'vxlan', bgp: { block: 26 } };
    tunnelled.hosts[1]!.workloads![0]!.address = '10.20.2.3';
    expect(issuesOf(tunnelled)).toEqual(['encapsulation: IPv6 addresses go with encapsulation "direct" so far']);
  });

  it('takes a workload with only an address6, and names it only with family 6; a workload with neither address is refused', () => {
    const s = dual();
    s.hosts[1]!.workloads!.push({ name: 'v6only', address6: 'fd00:10:20:1::9' }, { name: 'none' });
    s.steps = [
      { ping: { from: 'ns0', to: 'v6only', family: 6 } },
      { ping: { from: 'ns0', to: 'v6only' } },
      { matrix: { among: ['ns0', 'v6only'] } },
      { iperf3: { from: 'ns0', to: 'v6only' } },
    ];
    expect(issuesOf(s)).toEqual([
      'hosts[1].workloads[2].address: is required, unless the workload has an address6 (IPv6 only)',
      'steps[1].ping.to: v6only has only an IPv6 address: give family: 6',
      'steps[2].matrix.among[1]: v6only has only an IPv6 address: give family: 6',
      'steps[3].iperf3.to: v6only has only an IPv6 address: give family: 6',
    ]);
    s.hosts[1]!.workloads!.pop();
    s.steps = [];
    const v6only = resolveTopology(parseScenario('s.ts', s)).workloads.find((w) => w.name === 'v6only')!;
    expect(v6only).not.toHaveProperty('address');
    expect(v6only).toMatchObject({ address6: 'fd00:10:20:1::9', gateway6: 'fe80::ecee:eeff:feee:eeee' });
  });

  it('a sender needs an address of the family too; family 6 takes no IPv4 literal; a matrix needs a pair of the family', () => {
    const s = dual();
    s.hosts[1]!.workloads!.push({ name: 'v6only', address6: 'fd00:10:20:1::9' });
    s.steps = [
      { ping: { from: 'v6only', to: 'ns0' } },
      { iperf3: { from: 'v6only', to: 'ns0' } },
      { ping: { from: 'ns0', to: '10.20.1.3', family: 6 } },
    ];
    expect(issuesOf(s)).toEqual([
      'steps[0].ping.from: v6only has only an IPv6 address: give family: 6',
      'steps[1].iperf3.from: v6only has only an IPv6 address: give family: 6',
      'steps[2].ping.to: is an IPv4 address, and family 6 names IPv6 ones',
    ]);
    const one = dual();
    delete one.hosts[0]!.workloads![0]!.address6;
    one.steps = [{ matrix: { family: 6 } }, { matrix: { family: 6, among: ['ns0', 'ns1'] } }];
    expect(issuesOf(one)).toEqual([
      'steps[0].matrix: needs two workloads with an address6 or more (the lab has 1): or name the nodes in among',
      'steps[1].matrix.among[0]: ns0 has no address6, which family 6 needs',
    ]);
    const v4 = validScenario();
    v4.steps = [{ matrix: { family: 6 } }, { matrix: { family: 6, among: ['ns0', 'ns1'] } }];
    expect(issuesOf(v4)).toEqual([
      'steps[0].matrix.family: is 6, and no node of this lab has IPv6 (give hosts and workloads address6)',
      'steps[1].matrix.family: is 6, and no node of this lab has IPv6 (give hosts and workloads address6)',
    ]);
  });

  it('a route reflector of IPv6 clients peers over IPv6 too', () => {
    const s = dual();
    s.routing = 'bgp';
    s.hosts.push({ name: 'rr', address: '192.168.1.5' });
    s.bgp = { reflectors: ['rr'] };
    expect(issuesOf(s)).toEqual(['bgp.reflectors[0]: rr needs an address6: host0, host1 announce IPv6 through it']);
  });

  it('the library checks a step against the lab as built: the families of its nodes known', async () => {
    const twoHost = resolveTopology(await loadScenario('scenarios/two-host.ts'));
    expect(validateStep({ ping: { from: 'ns0', to: 'ns1' } }, twoHost).issues).toEqual([]);
    expect(
      validateStep({ ping: { from: 'ns0', to: 'ns1', family: 6 } }, twoHost).issues.map(
        (i) => `${i.path}: ${i.message}`,
      ),
    ).toEqual(['step.ping.family: is 6, and no node of this lab has IPv6 (give hosts and workloads address6)']);
    const dualBgp = resolveTopology(await loadScenario('scenarios/dual-stack-bgp.ts'));
    expect(validateStep({ trace: { from: 'ns0', to: 'ns2', family: 6 } }, dualBgp).issues).toEqual([]);
    expect(validateStep({ matrix: {} }, dualBgp).issues).toEqual([]);
    expect(validateStep({ ping: { from: 'ns0', to: 'ns2' } }, dualBgp).issues.map((i) => i.message)).toEqual([
      'ns2 has only an IPv6 address: give family: 6',
    ]);
  });

  it('family 6: node names stand for their IPv6 addresses in ping, trace and matrix; only of nodes that have an address6, and no proxyArp', () => {
    const s = dual();
    s.hosts[1]!.workloads!.push({ name: 'v4only', address: '10.20.1.9' });
    s.steps = [
      { ping: { from: 'ns0', to: 'ns1', family: 6 } },
      { ping: { from: 'ns0', to: 'v4only', family: 6 } },
      { trace: { from: 'ns0', to: 'ns1', family: 6 } },
      { trace: { from: 'v4only', to: 'ns1', family: 6 }, expect: { proxyArp: true } },
      { matrix: { among: ['ns0', 'v4only'], family: 6 } },
      { matrix: { family: 5 as 6 } },
    ];
    expect(issuesOf(s)).toEqual([
      'steps[1].ping.to: v4only has no address6, which family 6 needs',
      "steps[3].expect.proxyArp: proxy ARP is IPv4's: over IPv6 the workload's gateway is a link-local address its host end really has",
      'steps[3].trace.from: v4only has no address6, which family 6 needs',
      'steps[4].matrix.among[1]: v4only has no address6, which family 6 needs',
      'steps[5].matrix.family: is 4 or 6',
    ]);
  });
});

describe('ping sizes from the MTU', () => {
  it('takes "largest" and "tooLarge" with dontFragment only', () => {
    const s = validScenario();
    s.steps = [
      { ping: { from: 'ns0', to: 'ns1', size: 'largest', dontFragment: true } },
      { ping: { from: 'ns0', to: 'ns1', size: 'tooLarge' } },
      { ping: { from: 'ns0', to: 'ns1', size: 'huge' as 'largest', dontFragment: true } },
    ];
    expect(issuesOf(s)).toEqual([
      'steps[1].ping.size: "largest" and "tooLarge" need dontFragment: true (without it the kernel fragments)',
      'steps[2].ping.size: is a payload size 0-65507, "largest" or "tooLarge"',
    ]);
  });
});

describe('loadScenario', () => {
  it('loads every shipped scenario', async () => {
    const files = readdirSync('scenarios').filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(6);
    for (const file of files.map((f) => `scenarios/${f}`)) {
      const scenario = await loadScenario(file);
      expect(scenario.steps.length).toBeGreaterThan(0);
    }
  });

  it('names the file when it is missing', async () => {
    await expect(loadScenario('nope/missing.ts')).rejects.toThrow('nope/missing.ts: file not found');
  });
});
