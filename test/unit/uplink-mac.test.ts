import { describe, expect, it } from 'vitest';
import { hostContainerSpec, uplinkMacOf } from '../../src/backends/docker/containers.js';
import { swarmProfile } from '../../src/backends/swarm/profile.js';
import { planLab } from '../../src/dataplane/lab-plan.js';
import { loadScenario } from '../../src/lab/load.js';
import { resolveTopology } from '../../src/topology/topology.js';

describe("a host's uplink MAC", () => {
  it("is Docker's own derivation from the IPv4 address, given explicitly to every engine", async () => {
    expect(uplinkMacOf('192.168.1.16')).toBe('02:42:c0:a8:01:10');
    expect(uplinkMacOf('10.0.0.255')).toBe('02:42:0a:00:00:ff');
    const topology = resolveTopology(await loadScenario('scenarios/two-host.ts'));
    const spec = hostContainerSpec('two-host', topology.hosts[1]!, 'image', {}, false, 'net');
    expect(spec.MacAddress).toBe('02:42:c0:a8:01:10');
    expect(spec.NetworkingConfig!.EndpointsConfig!.net).toMatchObject({ MacAddress: '02:42:c0:a8:01:10' });
  });

  it('makes the swarm plan give each dual-stack host its peers as static IPv6 neighbours', async () => {
    const topology = resolveTopology(await loadScenario('scenarios/dual-stack.ts'));
    const plan = planLab(topology, 'scenarios/dual-stack.ts', swarmProfile);
    const neighbours = plan.hosts.map((h) =>
      h.sections
        .flatMap((s) => s.ops)
        .flatMap((op) => (op.kind === 'ip' && op.args[0] === 'neigh' ? [op.args.map(String).join(' ')] : [])),
    );
    expect(neighbours).toEqual([
      ['neigh replace fd00:192:168:1::16 lladdr 02:42:c0:a8:01:10 dev ens192 nud permanent'],
      ['neigh replace fd00:192:168:1::32 lladdr 02:42:c0:a8:01:20 dev ens192 nud permanent'],
    ]);
  });
});
