import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  NEIGHBOUR_LIMIT_FILE,
  parseNeighbourTable,
  readLocalNeighbourTable,
} from '../../src/backends/neighbour-table.js';
import { neighbourEntriesOfMatrix, neighbourLimitFix } from '../../src/steps/probe/neighbour-budget.js';
import { parseScenario } from '../../src/steps/scenario.js';
import { findNode, resolveTopology } from '../../src/topology/topology.js';

describe("the kernel's neighbour table", () => {
  it('reads the limit and adds up the table-full counts of every CPU (hex)', () => {
    const stats = `entries  allocs   destroys hash_grows lookups  hits     res_failed rcv_probes_mcast rcv_probes_ucast periodic_gc_runs forced_gc_runs unresolved_discards table_fulls
00000009 00007bef 0000739a 00000003   00047dd3 00021040 00000507   00000000         00000000         00000000         00022b24       00000000            0000000a
00000009 00007d0e 0000855a 00000005   00047878 000215d4 000005a2   00000000         00000000         00000318         00022729       00000000            00000101
`;
    expect(parseNeighbourTable('1024\n', stats)).toEqual({ limit: 1024, fulls: 10 + 257 });
  });

  it('is unknown when either file says something else', () => {
    expect(parseNeighbourTable('', 'entries table_fulls\n1 2\n')).toBeUndefined();
    expect(parseNeighbourTable('1024', 'entries allocs\n1 2\n')).toBeUndefined();
    expect(parseNeighbourTable('1024', 'entries table_fulls\n')).toBeUndefined();
  });

  it("reads this machine's table (any user may read it)", async () => {
    const limit = Number(readFileSync(NEIGHBOUR_LIMIT_FILE, 'utf8'));
    expect(limit).toBeGreaterThan(0);
    expect(await readLocalNeighbourTable()).toMatchObject({ limit });
  });

  it('counts the entries a matrix makes: gateway and host side per workload, and the hosts of a segment each other', () => {
    const hosts = Array.from({ length: 4 }, (_, i) => ({
      name: `h${i}`,
      segment: i < 3 ? 'a' : 'b',
      address: i < 3 ? `192.168.1.${10 + i}` : '192.168.2.10',
      workloads: [1, 2].map((j) => ({ name: `w${i}${j}`, address: `10.0.${i}.${j}` })),
    }));
    const topology = resolveTopology(
      parseScenario('s.ts', {
        name: 'arp',
        segments: [
          { name: 'a', subnet: '192.168.1.0/24' },
          { name: 'b', subnet: '192.168.2.0/24' },
        ],
        hosts,
      }),
    );
    const nodes = (names: string[]) => names.map((n) => findNode(topology, n)!);
    // 8 workloads: 16; hosts h0..h2 see 2 peers and a router each, h3 a router: 10.
    expect(neighbourEntriesOfMatrix(nodes(topology.workloads.map((w) => w.name)))).toBe(26);
    // Two workloads of one host: 4, no host peers.
    expect(neighbourEntriesOfMatrix(nodes(['w01', 'w02']))).toBe(4);
    // Hosts only: 2 peers each.
    expect(neighbourEntriesOfMatrix(nodes(['h0', 'h1', 'h2']))).toBe(6);
  });

  it('suggests a limit of at least twice the entries, and half of it as the point of eager reclaim', () => {
    expect(neighbourLimitFix(1470)).toBe(
      'sysctl -w net.ipv4.neigh.default.gc_thresh3=4096 net.ipv4.neigh.default.gc_thresh2=2048',
    );
    expect(neighbourLimitFix(100)).toBe(
      'sysctl -w net.ipv4.neigh.default.gc_thresh3=2048 net.ipv4.neigh.default.gc_thresh2=1024',
    );
  });
});
