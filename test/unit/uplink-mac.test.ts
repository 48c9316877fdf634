import { describe, expect, it } from 'vitest';
import { hostContainerSpec, uplinkMacOf } from '../../src/backends/docker/containers.js';
import { routerLinks } from '../../src/backends/docker/router.js';
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

describe('routing between segments on overlays', () => {
  it("gives hosts the router's IPv6 gateway and the router every host, as static neighbours", async () => {
    const topology = resolveTopology(await loadScenario('test/fixtures/two-segments-v6.ts'));
    const plan = planLab(topology, 'test/fixtures/two-segments-v6.ts', swarmProfile);
    const host0 = plan.hosts[0]!.sections.flatMap((s) => s.ops);
    const gateway = topology.hosts[0]!.segment;
    expect(host0).toContainEqual({
      kind: 'ip',
      ns: 'host0',
      args: [
        'neigh',
        'replace',
        gateway.gateway6,
        'lladdr',
        uplinkMacOf(gateway.gateway),
        'dev',
        gateway.name,
        'nud',
        'permanent',
      ],
    });
    const router = routerLinks(topology, (s) => `if-${s.name}`, swarmProfile.uplinkMac)
      .flatMap((s) => s.ops)
      .flatMap((op) => (op.kind === 'ip' && op.args[0] === 'neigh' ? [op.args.map(String).join(' ')] : []));
    expect(router).toEqual(
      topology.hosts.map(
        (h) => `neigh replace ${h.address6} lladdr ${uplinkMacOf(h.address)} dev if-${h.segment.name} nud permanent`,
      ),
    );
    expect(routerLinks(topology, (s) => `if-${s.name}`).flatMap((s) => s.ops)).not.toContainEqual(
      expect.objectContaining({ args: expect.arrayContaining(['neigh']) }),
    );
  });
});
