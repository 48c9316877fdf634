import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBirdProtocols } from '../../src/steps/kinds/bgp.js';
import { parseIperf3 } from '../../src/steps/kinds/iperf3.js';
import { expectedTtl } from '../../src/steps/kinds/matrix.js';
import { ICMP_PROBER, parseProber } from '../../src/net/icmp-prober.js';
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
  it('reads the probers: received, ttls, rtt and errors per source and target', () => {
    const text = `ns0 10.20.2.2 sent=2 received=2 ttl=62 rtt=0.067/0.108/0.148 errors=0
ns1 10.20.1.2 sent=2 received=1 ttl=63,62 rtt=0.050/0.050/0.050 errors=0
ns0 10.9.9.9 sent=2 received=0 ttl=- rtt=- errors=2 error=Destination Unreachable
`;
    const replies = parseProber(text);
    expect([...replies.keys()]).toEqual(['ns0', 'ns1']);
    expect([...replies.get('ns0')!]).toEqual([
      ['10.20.2.2', { sent: 2, received: 2, ttls: [62], rtt: { min: 0.067, avg: 0.108, max: 0.148 }, errors: 0 }],
      ['10.9.9.9', { sent: 2, received: 0, ttls: [], errors: 2, error: 'Destination Unreachable' }],
    ]);
    expect([...replies.get('ns1')!]).toEqual([
      ['10.20.1.2', { sent: 2, received: 1, ttls: [63, 62], rtt: { min: 0.05, avg: 0.05, max: 0.05 }, errors: 0 }],
    ]);
  });

  it('a namespace the prober cannot enter fails it, naming the source', () => {
    const result = spawnSync('perl', ['-', '8', '1', '1', '1', 'ns7', '/nonexistent/ns', '10.0.0.1', '10.0.0.2'], {
      input: ICMP_PROBER,
      encoding: 'utf8',
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/^ns7: \/nonexistent\/ns: No such file or directory/);
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
          {
            name: 'a',
            segment: 'ens192',
            address: '192.168.1.10',
            workloads: [
              { name: 'a1', address: '10.0.0.1' },
              { name: 'a2', address: '10.0.0.2' },
            ],
          },
          { name: 'b', segment: 'ens192', address: '192.168.1.11', workloads: [{ name: 'b1', address: '10.0.1.1' }] },
          { name: 'c', segment: 'ens224', address: '192.168.2.10', workloads: [{ name: 'c1', address: '10.0.2.1' }] },
        ],
      }),
    );
    const ttl = (from: string, to: string) => expectedTtl(topology, findNode(topology, from)!, findNode(topology, to)!);
    expect([ttl('a1', 'a2'), ttl('a1', 'b1'), ttl('a1', 'c1'), ttl('a', 'b'), ttl('a1', 'b'), ttl('a', 'a1')]).toEqual([
      63, 62, 61, 64, 63, 64,
    ]);
  });
});
