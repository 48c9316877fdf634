import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBirdProtocols } from '../../src/steps/bgp.js';
import { parseIperf3 } from '../../src/steps/iperf3.js';

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
