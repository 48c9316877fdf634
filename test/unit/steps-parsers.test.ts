import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBirdProtocols } from '../../src/steps/kinds/bgp.js';
import { parseIperf3 } from '../../src/steps/kinds/iperf3.js';
import { expectedTtl, parseReplies } from '../../src/steps/kinds/matrix.js';
import { parseScenario } from '../../src/steps/scenario.js';
import { findNode, resolveTopology } from '../../src/topology/topology.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/iperf3/${name}`, import.meta.url), 'utf8');

describe('parseIperf3 (real iperf3 3.12 -J reports)', () => {
  it('takes what the receiver got over TCP, and the retransmits', () => {
    expect(parseIperf3(fixture('tcp.json'), 'tcp')).toEqual({ bitsPerSecond: 14203210311.273157, retransmits: 243 });
  });

  it('takes rate, loss and jitter as the UDP receiver saw them', () => {
    expect(parseIperf3(fixture('udp.json'), 'udp')).toEqual({
      bitsPerSecond: 9995152.891867897,
      lostPercent: 0,
      jitterMs: 0.006295153559711615,
    });
  });

  it("reports iperf3's own error", () => {
    expect(() => parseIperf3('{"start":{},"error":"unable to connect to server: Connection refused"}', 'tcp')).toThrow(
      'unable to connect to server: Connection refused',
    );
  });
});

describe('parseBirdProtocols', () => {
  it('finds the BGP sessions and their state in birdc show protocols', () => {
    const text = `BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     12:21:31.418
workloads  Static     master4    up     12:21:31.418
kernel1    Kernel     master4    up     12:21:31.418
peer_host1 BGP        ---        up     12:21:32.526  Established
peer_host2 BGP        ---        start  12:21:31.418  Active        Socket: Connection refused
`;
    expect(parseBirdProtocols(text)).toEqual([
      { name: 'peer_host1', state: 'up', info: 'Established' },
      { name: 'peer_host2', state: 'start', info: 'Active Socket: Connection refused' },
    ]);
  });
});

describe('matrix', () => {
  it('reads the first reply per target from interleaved parallel pings', () => {
    const text = `PING 10.20.1.2 (10.20.1.2) 56(84) bytes of data.
PING 10.20.2.2 (10.20.2.2) 56(84) bytes of data.
64 bytes from 10.20.2.2: icmp_seq=1 ttl=62 time=0.120 ms
64 bytes from 10.20.1.2: icmp_seq=1 ttl=63 time=0.050 ms
64 bytes from 10.20.1.2: icmp_seq=1 ttl=63 time=0.090 ms (DUP!)

--- 10.20.2.2 ping statistics ---
1 packets transmitted, 1 received, 0% packet loss, time 0ms
--- 10.20.3.2 ping statistics ---
1 packets transmitted, 0 received, 100% packet loss, time 0ms
`;
    expect([...parseReplies(text)]).toEqual([
      ['10.20.2.2', { ttl: 62, rttMs: 0.12 }],
      ['10.20.1.2', { ttl: 63, rttMs: 0.05 }],
    ]);
  });

  it('expects ttl by the routers between two nodes', () => {
    const topology = resolveTopology(
      parseScenario('s.ts', {
        name: 'ttl',
        segments: [
          { name: 'ens192', subnet: '192.168.1.0/24' },
          { name: 'ens224', subnet: '192.168.2.0/24' },
        ],
        hosts: [
          { name: 'a', segment: 'ens192', address: '192.168.1.10', workloads: [{ name: 'a1', address: '10.0.0.1' }, { name: 'a2', address: '10.0.0.2' }] },
          { name: 'b', segment: 'ens192', address: '192.168.1.11', workloads: [{ name: 'b1', address: '10.0.1.1' }] },
          { name: 'c', segment: 'ens224', address: '192.168.2.10', workloads: [{ name: 'c1', address: '10.0.2.1' }] },
        ],
      }),
    );
    const ttl = (from: string, to: string) => expectedTtl(findNode(topology, from)!, findNode(topology, to)!);
    expect([ttl('a1', 'a2'), ttl('a1', 'b1'), ttl('a1', 'c1'), ttl('a', 'b'), ttl('a1', 'b'), ttl('a', 'a1')]).toEqual([63, 62, 61, 64, 63, 64]);
  });
});
