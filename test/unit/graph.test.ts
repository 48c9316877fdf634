import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/lab/load.js';
import { mermaidOf, svgOf } from '../../src/report/graph.js';
import { resolveTopology } from '../../src/topology/topology.js';

describe('the lab as a picture', () => {
  it('dual stack: each IPv6 address on a line of its own, boxes tall enough for them', async () => {
    const svg = svgOf(resolveTopology(await loadScenario('scenarios/dual-stack-bgp.ts')));
    expect(svg).toContain('>segment ens192  192.168.1.0/24  gateway 192.168.1.1  fd00:192:168:1::/64</text>');
    expect(svg).toContain('>fd00:192:168:1::32</text>');
    expect(svg).toContain('>ns0  10.20.1.2/32</text>');
    expect(svg).toContain('>fd00:10:20:1::2/128</text>');
    // ns2 is IPv6 only: its one address beside its name.
    expect(svg).toContain('>ns2  fd00:10:20:1::4/128</text>');
    expect(svg.match(/<rect [^>]*height="61" rx="10"/g)).toHaveLength(3);
  });

  it('one line per workload address where none has two', async () => {
    const svg = svgOf(resolveTopology(await loadScenario('scenarios/two-host.ts')));
    expect(svg.match(/<rect [^>]*height="44" rx="10"/g)).toHaveLength(2);
    expect(mermaidOf(resolveTopology(await loadScenario('scenarios/dual-stack-bgp.ts')))).toContain('ns2<br/>fd00:10:20:1::4/128<br/>cali');
  });
});
