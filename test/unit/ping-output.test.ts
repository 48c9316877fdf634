import { describe, expect, it } from 'vitest';
import { parsePingOutput, percentile } from '../../src/steps/ping-output.js';

describe('parsePingOutput', () => {
  it('reads replies, ttl and the rtt summary of a clean run', () => {
    const out = parsePingOutput(`PING 10.20.1.3 (10.20.1.3) 56(84) bytes of data.
64 bytes from 10.20.1.3: icmp_seq=1 ttl=62 time=0.303 ms
64 bytes from 10.20.1.3: icmp_seq=2 ttl=62 time=0.334 ms
64 bytes from 10.20.1.3: icmp_seq=3 ttl=62 time=0.310 ms

--- 10.20.1.3 ping statistics ---
3 packets transmitted, 3 received, 0% packet loss, time 402ms
rtt min/avg/max/mdev = 0.303/0.315/0.334/0.013 ms
`);
    expect(out).toMatchObject({ transmitted: 3, received: 3, lossPercent: 0, duplicates: 0, errors: 0 });
    expect(out.ttls).toEqual([62, 62, 62]);
    expect(out.rtts).toEqual([0.303, 0.334, 0.31]);
    expect(out.rtt).toEqual({ min: 0.303, avg: 0.315, max: 0.334, mdev: 0.013 });
    expect(out.error).toBeUndefined();
  });

  it('reports partial loss', () => {
    const out = parsePingOutput(`64 bytes from 10.0.0.2: icmp_seq=1 ttl=63 time=0.1 ms
64 bytes from 10.0.0.2: icmp_seq=3 ttl=63 time=0.2 ms

--- 10.0.0.2 ping statistics ---
4 packets transmitted, 2 received, 50% packet loss, time 3003ms
rtt min/avg/max/mdev = 0.100/0.150/0.200/0.050 ms`);
    expect(out).toMatchObject({ transmitted: 4, received: 2, lossPercent: 50 });
  });

  it('reads an unreachable destination with ICMP errors', () => {
    const out = parsePingOutput(`PING 10.20.1.9 (10.20.1.9) 56(84) bytes of data.
From 192.168.1.32 icmp_seq=1 Destination Host Unreachable
From 192.168.1.32 icmp_seq=2 Destination Host Unreachable

--- 10.20.1.9 ping statistics ---
3 packets transmitted, 0 received, +2 errors, 100% packet loss, time 2046ms
`);
    expect(out).toMatchObject({ transmitted: 3, received: 0, errors: 2, lossPercent: 100 });
    expect(out.error).toBe('Destination Host Unreachable');
    expect(out.ttls).toEqual([]);
    expect(out.rtt).toBeUndefined();
  });

  it('keeps duplicates out of ttl and rtt lists but counts them', () => {
    const out = parsePingOutput(`64 bytes from 10.0.0.2: icmp_seq=1 ttl=62 time=0.100 ms
64 bytes from 10.0.0.2: icmp_seq=1 ttl=62 time=0.180 ms (DUP!)
64 bytes from 10.0.0.2: icmp_seq=2 ttl=62 time=0.120 ms

--- 10.0.0.2 ping statistics ---
2 packets transmitted, 2 received, +1 duplicates, 0% packet loss, time 1001ms
rtt min/avg/max/mdev = 0.100/0.133/0.180/0.033 ms`);
    expect(out).toMatchObject({ transmitted: 2, received: 2, duplicates: 1 });
    expect(out.rtts).toEqual([0.1, 0.12]);
  });

  it('reads an error ping prints instead of replies', () => {
    const out = parsePingOutput('ping: connect: Network is unreachable\n');
    expect(out).toMatchObject({ transmitted: 0, received: 0, lossPercent: 100 });
    expect(out.error).toBe('connect: Network is unreachable');
  });

  it('falls back to counting replies when the summary is missing (killed ping)', () => {
    const out = parsePingOutput('64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.05 ms\n');
    expect(out.received).toBe(1);
    expect(out.ttls).toEqual([64]);
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 99)).toBe(5);
    expect(percentile([1], 99)).toBe(1);
    expect(percentile([], 99)).toBeUndefined();
  });
});
