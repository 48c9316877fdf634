import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judge, trace, type TraceStep } from '../../src/steps/kinds/trace.js';
import { arpAnswer, ndAnswer, parseTcpdump, tracePath } from '../../src/steps/tcpdump-output.js';

// Real captures of one ping from ns0 (10.20.1.2) to ns1 (10.20.1.3) in the two-host lab, one per namespace.
const capture = (node: string) => ({
  node,
  packets: parseTcpdump(readFileSync(`test/fixtures/tcpdump/${node}.txt`, 'utf8')),
});
const captures = ['ns0', 'host0', 'host1', 'ns1'].map(capture);
const step = (expect: TraceStep['expect']): TraceStep => ({ trace: { from: 'ns0', to: 'ns1', family: 4 }, expect });

describe('reading a trace off tcpdump', () => {
  it('parses interface, direction, MAC, ARP and the ttl of IP packets', () => {
    const [request, reply, ping] = captures[0]!.packets;
    expect(request).toMatchObject({
      iface: 'eth0',
      direction: 'Out',
      arp: { op: 'request', address: '169.254.1.1', asker: '10.20.1.2' },
    });
    expect(reply).toMatchObject({
      iface: 'eth0',
      direction: 'In',
      mac: 'ee:ee:ee:ee:ee:ee',
      arp: { op: 'reply', address: '169.254.1.1', answer: 'ee:ee:ee:ee:ee:ee' },
    });
    expect(ping).toMatchObject({
      direction: 'Out',
      ip: { ttl: 64, src: '10.20.1.2', dst: '10.20.1.3', what: 'ICMP echo request' },
    });
  });

  it('orders the hops by the ttl they saw, whatever the order of the captures, with the interfaces in and out', () => {
    const hops = tracePath([...captures].reverse(), '10.20.1.2', '10.20.1.3');
    expect(hops.map((h) => h.node)).toEqual(['ns0', 'host0', 'host1', 'ns1']);
    expect(hops[1]).toMatchObject({ in: { iface: 'cali24c39194743', ttl: 64 }, out: { iface: 'ens192', ttl: 63 } });
    expect(hops[3]).toMatchObject({ in: { iface: 'eth0', ttl: 62 } });
  });

  it('tells the story: 64, 63, 62, and the gateway answered by proxy ARP', () => {
    const hops = tracePath(captures, '10.20.1.2', '10.20.1.3');
    const arp = { family: 4 as const, ...arpAnswer(captures[0]!.packets, '169.254.1.1') };
    const passed = judge(
      step({ hops: ['ns0', 'host0', 'host1', 'ns1'], ttls: [64, 63, 62], proxyArp: true }),
      hops,
      arp,
      true,
    );
    expect(passed.failures).toEqual([]);
    expect(passed.metrics).toMatchObject({
      hops: 'ns0,host0,host1,ns1',
      ttls: '64,63,62',
      arpAnswer: 'ee:ee:ee:ee:ee:ee',
    });
    const wrong = judge(step({ hops: ['ns0', 'host1', 'ns1'], ttls: [64, 62], proxyArp: false }), hops, arp, true);
    expect(wrong.failures).toEqual([
      'hops: expected ns0 → host1 → ns1, actual ns0 → host0 → host1 → ns1',
      'ttls: expected 64 → 62, actual 64 → 63 → 62',
      'proxyArp: expected false, actual true',
    ]);
  });

  it('reads IPv6: the hop limit as ttl, and the gateway found by neighbour discovery (real captures of the dual-stack lab)', () => {
    const ns0 = parseTcpdump(readFileSync('test/fixtures/tcpdump/ipv6-ns0.txt', 'utf8'));
    const host0 = parseTcpdump(readFileSync('test/fixtures/tcpdump/ipv6-host0.txt', 'utf8'));
    // The option lines -v prints under a neighbour discovery packet are no packets.
    expect(ns0).toHaveLength(4);
    expect(ns0[0]).toMatchObject({
      direction: 'Out',
      nd: { op: 'solicitation', address: 'fe80::ecee:eeff:feee:eeee' },
    });
    expect(ns0[2]).toMatchObject({
      ip: { ttl: 64, src: 'fd00:10:20:1::2', dst: 'fd00:10:20:1::3', what: 'ICMP6 echo request' },
    });
    expect(ns0[3]).toMatchObject({ ip: { ttl: 62, what: 'ICMP6 echo reply' } });
    expect(ndAnswer(ns0, 'fe80::ecee:eeff:feee:eeee')).toEqual({ asked: true, answer: 'ee:ee:ee:ee:ee:ee' });
    expect(ndAnswer(ns0, 'fe80::1')).toEqual({ asked: false });
    const hops = tracePath(
      [
        { node: 'host0', packets: host0 },
        { node: 'ns0', packets: ns0 },
      ],
      'fd00:10:20:1::2',
      'fd00:10:20:1::3',
    );
    expect(hops).toMatchObject([
      { node: 'ns0', out: { iface: 'eth0', ttl: 64 } },
      { node: 'host0', in: { iface: 'cali70950044624', ttl: 64 }, out: { iface: 'ens192', ttl: 63 } },
    ]);
    const result = judge(
      { trace: { from: 'ns0', to: 'ns1', family: 6 }, expect: { hops: ['ns0', 'host0'], ttls: [64] } },
      hops,
      { family: 6, gateway: 'fe80::ecee:eeff:feee:eeee', ...ndAnswer(ns0, 'fe80::ecee:eeff:feee:eeee') },
      true,
    );
    expect(result.failures).toEqual([]);
    expect(result.metrics).toMatchObject({
      ndAsked: true,
      ndAnswer: 'ee:ee:ee:ee:ee:ee',
      gateway: 'fe80::ecee:eeff:feee:eeee',
    });
    expect(result.metrics).not.toHaveProperty('arpAnswer');
  });

  it('reports a packet seen nowhere as no hops', () => {
    const none = judge(step({ hops: ['ns0', 'ns1'] }), [], { family: 4, asked: true }, false);
    expect(none.failures).toEqual(['hops: expected ns0 → ns1, actual none']);
    expect(none.metrics.hops).toBeNull();
  });

  it('says why a packet was seen nowhere: its gateway went unresolved', () => {
    const unanswered = judge(step({}), [], { family: 4, gateway: '169.254.1.1', asked: true }, false);
    expect(trace.figures(unanswered.metrics, false)).toBe(
      'the echo request was seen nowhere: ARP for 169.254.1.1 went unanswered',
    );
    const silent = judge(step({}), [], { family: 4, gateway: '169.254.1.1', asked: false }, false);
    expect(trace.figures(silent.metrics, false)).toBe('the echo request was seen nowhere');
  });

  it('reads a packet inside VXLAN: the inner ttl and addresses, the outer ends and the vni (real capture on host0)', () => {
    const packets = parseTcpdump(readFileSync('test/fixtures/tcpdump/vxlan-host0.txt', 'utf8'));
    const wrapped = packets.find((p) => p.iface === 'ens192' && p.direction === 'Out' && p.ip);
    expect(wrapped).toMatchObject({
      ip: { ttl: 63, src: '10.20.0.2', dst: '10.20.1.2', what: 'ICMP echo request' },
      outer: { kind: 'vxlan', src: '192.168.1.32', dst: '192.168.1.16', vni: 4096 },
    });
    const [hop] = tracePath([{ node: 'host0', packets }], '10.20.0.2', '10.20.1.2');
    // The hop's ttls are the packet's own (on the cali veth and vxlan.calico), the tunnel beside them.
    expect(hop).toMatchObject({
      in: { iface: 'cali79d2f51c603', ttl: 64 },
      out: { iface: 'vxlan.calico', ttl: 63 },
      outer: { kind: 'vxlan' },
    });
    const result = judge(step({ encapsulation: 'vxlan' }), [hop!], { family: 4, asked: true }, true);
    expect(result.failures).toEqual([]);
    expect(result.metrics.tunnel).toBe('VXLAN (UDP 4789, vni 4096, 192.168.1.32 → 192.168.1.16)');
    expect(judge(step({ encapsulation: 'none' }), [hop!], { family: 4, asked: true }, true).failures).toEqual([
      'encapsulation: expected none, actual vxlan',
    ]);
  });

  it('reads a packet inside IPIP (as tcpdump -v prints protocol 4: the inner header after the outer addresses)', () => {
    // Written after tcpdump's print-ip.c: this machine's kernel has no IPIP to capture from.
    const text = [
      '10:00:00.000001 ens192 Out ifindex 2 02:42:c0:a8:01:20 ethertype IPv4 (0x0800), length 124: (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto IPIP (4), length 104)',
      '    192.168.1.32 > 192.168.1.16: (tos 0x0, ttl 63, id 35001, offset 0, flags [DF], proto ICMP (1), length 84)',
      '    10.20.0.2 > 10.20.1.2: ICMP echo request, id 27, seq 1, length 64',
    ].join('\n');
    expect(parseTcpdump(text)[0]).toMatchObject({
      ip: { ttl: 63, src: '10.20.0.2', dst: '10.20.1.2', what: 'ICMP echo request' },
      outer: { kind: 'ipip', src: '192.168.1.32', dst: '192.168.1.16' },
    });
    expect(captures[1]!.packets.every((p) => p.outer === undefined)).toBe(true);
  });

  it('reads tunl0, which has no link-layer address, as a packet of its own', () => {
    const text = [
      '10:00:00.000001 cali895f3d3973a In  ifindex 3 4a:1b:2c:3d:4e:5f ethertype IPv4 (0x0800), length 104: (tos 0x0, ttl 64, id 35001, offset 0, flags [DF], proto ICMP (1), length 84)',
      '    10.20.0.2 > 10.20.1.2: ICMP echo request, id 27, seq 1, length 64',
      '10:00:00.000002 tunl0 Out ifindex 5 ethertype IPv4 (0x0800), length 104: (tos 0x0, ttl 63, id 35001, offset 0, flags [DF], proto ICMP (1), length 84)',
      '    10.20.0.2 > 10.20.1.2: ICMP echo request, id 27, seq 1, length 64',
    ].join('\n');
    const packets = parseTcpdump(text);
    expect(packets).toHaveLength(2);
    expect(packets[1]).toMatchObject({
      iface: 'tunl0',
      direction: 'Out',
      mac: '',
      ip: { ttl: 63, src: '10.20.0.2', dst: '10.20.1.2' },
    });
    expect(tracePath([{ node: 'host0', packets }], '10.20.0.2', '10.20.1.2')[0]).toMatchObject({
      in: { ttl: 64 },
      out: { iface: 'tunl0', ttl: 63 },
    });
  });

  it('does not take the request an ICMP error quotes for the request itself', () => {
    const text = [
      '10:00:00.000003 eth0  In  ifindex 2 ee:ee:ee:ee:ee:ee ethertype IPv4 (0x0800), length 132: (tos 0xc0, ttl 63, id 1, offset 0, flags [none], proto ICMP (1), length 112)',
      '    192.168.1.16 > 10.20.1.2: ICMP 10.20.1.3 unreachable - need to frag (mtu 1400), length 92',
      '\t(tos 0x0, ttl 63, id 2, offset 0, flags [DF], proto ICMP (1), length 84)',
      '    10.20.1.2 > 10.20.1.3: ICMP echo request, id 1, seq 1, length 64',
    ].join('\n');
    const [error] = parseTcpdump(text);
    expect(error).toMatchObject({
      ip: {
        ttl: 63,
        src: '192.168.1.16',
        dst: '10.20.1.2',
        what: 'ICMP 10.20.1.3 unreachable - need to frag (mtu 1400)',
      },
    });
    expect(error!.outer).toBeUndefined();
    expect(tracePath([{ node: 'ns0', packets: [error!] }], '10.20.1.2', '10.20.1.3')).toEqual([]);
  });
});
