import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dockerProfile } from '../../src/backends/docker/profile.js';
import { fabricNamespace, nodeNamespace } from '../../src/backends/netns/names.js';
import { netnsProfile } from '../../src/backends/netns/profile.js';
import { birdConfig } from '../../src/dataplane/bird.js';
import { planFabric } from '../../src/backends/netns/fabric-plan.js';
import { peerRoutes, tunnelBetween, vtepEntries, workloadMtu } from '../../src/dataplane/encapsulation.js';
import { planHosts, staticRoutes, type UplinkMode } from '../../src/dataplane/host-plan.js';
import { expectedTtl } from '../../src/steps/kinds/matrix.js';
import { dockerGateway, routerLinks, routerPlan } from '../../src/backends/docker/router.js';
import { FABRIC } from '../../src/dataplane/ops.js';
import { renderPlanText, renderScript } from '../../src/dataplane/render.js';
import { loadScenario } from '../../src/lab/load.js';
import { parseScenario } from '../../src/steps/scenario.js';
import { findNode, resolveTopology, type Topology } from '../../src/topology/topology.js';

/** Compares with a golden file; UPDATE_GOLDEN=1 rewrites it (review the diff before committing). */
function expectGolden(actual: string, file: string): void {
  const path = new URL(`../golden/${file}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

/** Where the docker backend's plans find a namespace (inside the host or router container). */
const dockerPath = (node: string) => dockerProfile.namespacePath('lab', node);

const twoHost = async (lab?: string) => resolveTopology(await loadScenario('scenarios/two-host.ts'), lab);

const birdPaths = (host: string) => {
  const dir = `/run/testbed/lab/${host}`;
  return { config: `${dir}/bird.conf`, socket: `${dir}/bird.ctl`, pid: `${dir}/bird.pid`, log: `${dir}/bird.log` };
};
const hostPlans = (topology: Topology, uplink?: UplinkMode) => planHosts(topology, { uplink, birdPaths });

describe('planner', () => {
  it('renders the two-host plan like the seed (golden)', async () => {
    const topology = await twoHost();
    const text = renderPlanText({
      hosts: hostPlans(topology),
      fabric: { title: 'fabric', sections: planFabric(topology) },
    });
    expectGolden(text, 'two-host.plan.txt');
  });

  it('renders one ip batch per namespace for the netns backend (golden)', async () => {
    const topology = await twoHost();
    const name = (n: string) => (n === FABRIC ? fabricNamespace('two-host') : nodeNamespace('two-host', n));
    const host0 = hostPlans(topology)[0]!;
    const script = renderScript(host0.sections, host0.host, name, {
      createNamespaces: false,
      pathOf: (n) => netnsProfile.namespacePath('two-host', n),
    });
    expectGolden(script, 'two-host.host0.sh');
    expect(script.match(/-batch/g)).toHaveLength(2);
  });

  it('renders what runs inside a Docker host: the adopted uplink renamed, namespaces created in the script (golden)', async () => {
    const topology = await twoHost();
    const host0 = hostPlans(topology, { adopt: 'eth0' })[0]!;
    expectGolden(
      renderScript(host0.sections, host0.host, (n) => n, { createNamespaces: true, pathOf: dockerPath }),
      'two-host.host0.docker.sh',
    );
  });

  it('derives Calico-style veth names from lab, host and workload', async () => {
    const a = await twoHost('lab-a');
    const b = await twoHost('lab-b');
    for (const w of a.workloads) expect(w.hostInterface).toMatch(/^cali[0-9a-f]{11}$/);
    expect(a.workloads[0]!.hostInterface).not.toBe(b.workloads[0]!.hostInterface);
    expect((await twoHost('lab-a')).workloads[0]!.hostInterface).toBe(a.workloads[0]!.hostInterface);
  });

  it('routes every remote workload of the segment via its host, and none of its own', () => {
    const scenario = parseScenario('s.ts', {
      name: 'three',
      segments: [{ name: 'ens192', subnet: '10.0.0.0/24' }],
      hosts: ['a', 'b', 'c'].map((h, i) => ({
        name: h,
        address: `10.0.0.${10 + i}`,
        workloads: [1, 2].map((w) => ({ name: `${h}${w}`, address: `10.1.${i}.${w}` })),
      })),
    });
    const plans = hostPlans(resolveTopology(scenario));
    const routesOfA = plans[0]!.sections
      .flatMap((s) => s.ops)
      .flatMap((op) =>
        op.kind === 'ip' && op.args.includes('via') && op.args[2] !== 'default' ? [op.args.map(String).join(' ')] : [],
      );
    expect(routesOfA).toEqual([
      'route add 10.1.1.1 via 10.0.0.11 dev ens192',
      'route add 10.1.1.2 via 10.0.0.11 dev ens192',
      'route add 10.1.2.1 via 10.0.0.12 dev ens192',
      'route add 10.1.2.2 via 10.0.0.12 dev ens192',
    ]);
  });

  it('routes across segments in the fabric, and not at all with routing none', () => {
    const twoSegments = (routing: 'static' | 'none') => ({
      name: 'two-seg',
      routing,
      segments: [
        { name: 'ens192', subnet: '10.0.0.0/24' },
        { name: 'ens224', subnet: '10.0.1.0/24' },
      ],
      hosts: [
        { name: 'a', segment: 'ens192', address: '10.0.0.10', workloads: [{ name: 'wa', address: '10.9.0.1' }] },
        { name: 'b', segment: 'ens224', address: '10.0.1.10', workloads: [{ name: 'wb', address: '10.9.0.2' }] },
      ],
    });
    const fabricText = (routing: 'static' | 'none') => {
      const topology = resolveTopology(parseScenario('s.ts', twoSegments(routing)));
      return renderPlanText({ hosts: [], fabric: { title: 'f', sections: planFabric(topology) } });
    };
    const routed = fabricText('static');
    expect(routed).toContain('ip route add 10.9.0.1 via 10.0.0.10');
    expect(routed).toContain('ip route add 10.9.0.2 via 10.0.1.10');
    expect(routed).toContain('ip link add name to-b type veth peer name ens224 netns b');
    expect(fabricText('none')).not.toContain('ip route add');

    const isolated = resolveTopology(parseScenario('s.ts', twoSegments('none')));
    expect(hostPlans(isolated).flatMap((p) => p.sections.map((s) => s.comment))).not.toContainEqual(
      expect.stringContaining('Routes to the workloads'),
    );
  });
});

describe('BIRD configuration', () => {
  const bgpLab = (bgp: Record<string, unknown>) =>
    resolveTopology(
      parseScenario('s.ts', {
        name: 'bgp',
        segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
        routing: 'bgp',
        bgp,
        hosts: [0, 1, 2].map((h) => ({
          name: `host-${h}`,
          address: `192.168.1.${10 + h}`,
          workloads: [{ name: `ns${h}`, address: `10.20.${h}.2` }],
        })),
      }),
    );
  const conf = (topology: Topology, host: number) =>
    birdConfig(topology, topology.hosts[host]!, birdPaths(`host-${host}`));

  it('full mesh: announces /32s via the cali veths and peers with every other host (golden)', () => {
    expectGolden(conf(bgpLab({}), 0), 'bird-mesh.host0.conf');
  });

  it('route reflector: the reflector reflects BGP routes to its clients, clients peer with it only (golden)', () => {
    const topology = bgpLab({ reflectors: ['host-0'], block: 26, asn: 65001 });
    expectGolden(conf(topology, 0), 'bird-rr.reflector.conf');
    expectGolden(conf(topology, 1), 'bird-rr.client.conf');
  });

  it('starts BIRD from the host plan, after the config is written', () => {
    const plan = hostPlans(bgpLab({}))[1]!;
    const script = renderScript(plan.sections, plan.host, (n) => n, { createNamespaces: true, pathOf: dockerPath });
    expect(script).toContain("cat > /run/testbed/lab/host-1/bird.conf <<'EOF'");
    expect(script.trimEnd().split('\n').at(-1)).toBe(
      'bird -c /run/testbed/lab/host-1/bird.conf -s /run/testbed/lab/host-1/bird.ctl -P /run/testbed/lab/host-1/bird.pid',
    );
  });
});

describe('encapsulation', () => {
  const plan = async (file: string) => {
    const topology = resolveTopology(await loadScenario(file));
    return {
      topology,
      text: renderPlanText({ hosts: hostPlans(topology), fabric: { title: 'fabric', sections: planFabric(topology) } }),
    };
  };

  it('vxlan: vxlan.calico with VTEP address and MAC, peers programmed, routes onlink, workload MTU 1450 (golden)', async () => {
    const { text } = await plan('scenarios/vxlan.ts');
    expectGolden(text, 'vxlan.plan.txt');
    expect(text).toContain('ip link add name cali9390117cf4a mtu 1450');
  });

  it('ipip: tunl0 with the tunnel address, routes via the other host onlink, workload MTU 1480 (golden)', async () => {
    const { text } = await plan('scenarios/ipip.ts');
    expectGolden(text, 'ipip.plan.txt');
    expect(text).not.toContain('bridge fdb');
  });

  it('crossSubnet: direct within a segment, through the tunnel (with the peer tunnel address) across', async () => {
    const { topology } = await plan('scenarios/cross-subnet.ts');
    const [host0, host1, host2] = topology.hosts;
    expect(tunnelBetween(topology, host0!, host1!)).toBeUndefined();
    expect(tunnelBetween(topology, host0!, host2!)).toBe('vxlan');
    expect(peerRoutes(topology, host0!)).toEqual([
      { route: ['10.20.1.2', 'via', '192.168.1.11', 'dev', 'ens192'] },
      { route: ['10.20.2.2', 'via', '10.20.2.0', 'dev', 'vxlan.calico', 'onlink'], tunnel: 'vxlan' },
      { route: ['10.20.2.0', 'via', '10.20.2.0', 'dev', 'vxlan.calico', 'onlink'], tunnel: 'vxlan' },
    ]);
    // The routes the kernel drops when the uplink goes down (linkUp restores them): the direct ones.
    expect(staticRoutes(topology, host0!)).toEqual([['10.20.1.2', 'via', '192.168.1.11', 'dev', 'ens192']]);
    expect(
      vtepEntries(topology, host0!).map((op) =>
        op.kind === 'ip' || op.kind === 'bridge' ? op.args.map(String).join(' ') : '',
      ),
    ).toEqual([
      'neigh add 10.20.2.0 lladdr 66:ca:c0:a8:02:0a dev vxlan.calico nud permanent',
      'fdb append 66:ca:c0:a8:02:0a dev vxlan.calico dst 192.168.2.10 self permanent',
    ]);
    expect(workloadMtu(topology)).toBe(1450);
    expect(workloadMtu(topology, 1450)).toBe(1400);
  });

  it('expects ttl 62 across segments through a tunnel: the fabric hop is hidden, where the direct path shows 61', async () => {
    const { topology } = await plan('scenarios/cross-subnet.ts');
    const ttl = (from: string, to: string) => expectedTtl(topology, findNode(topology, from)!, findNode(topology, to)!);
    expect([
      ttl('ns0', 'ns1'),
      ttl('ns0', 'ns2'),
      ttl('host0', 'ns2'),
      ttl('ns2', 'host0'),
      ttl('host0', 'host2'),
    ]).toEqual([62, 62, 63, 63, 63]);
    const direct = resolveTopology(await loadScenario('test/fixtures/two-segments.ts'));
    expect(expectedTtl(direct, findNode(direct, 'ns0')!, findNode(direct, 'ns1')!)).toBe(61);
  });

  it('runs bridge commands in one batch after the ip batch', async () => {
    const { topology } = await plan('scenarios/vxlan.ts');
    const host0 = hostPlans(topology)[0]!;
    const script = renderScript(host0.sections, host0.host, (n) => n, { createNamespaces: true, pathOf: dockerPath });
    expect(script.indexOf("bridge -batch - <<'EOF'\nfdb append 66:ca:c0:a8:01:10")).toBeGreaterThan(
      script.lastIndexOf("ip -batch - <<'EOF'"),
    );
  });
});

describe('dual stack', () => {
  it("IPv6 beside IPv4: addresses without DAD, the cali end's EUI-64 link-local as the workload's gateway, routes via the peers (golden)", async () => {
    const topology = resolveTopology(await loadScenario('scenarios/dual-stack.ts'));
    expectGolden(
      renderPlanText({ hosts: hostPlans(topology), fabric: { title: 'fabric', sections: planFabric(topology) } }),
      'dual-stack.plan.txt',
    );
  });

  it('in a Docker host, turns IPv6 on (without DAD) before any ip command runs', async () => {
    const topology = resolveTopology(await loadScenario('scenarios/dual-stack.ts'));
    const host0 = hostPlans(topology, { adopt: 'eth0' })[0]!;
    const script = renderScript(host0.sections, host0.host, (n) => n, { createNamespaces: true, pathOf: dockerPath });
    const firstIp = script.indexOf("ip -batch - <<'EOF'\nlink set dev eth0 down");
    for (const line of [
      'echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad',
      'echo 0 > /proc/sys/net/ipv6/conf/eth0/disable_ipv6',
    ]) {
      expect(script.indexOf(line)).toBeGreaterThan(-1);
      expect(script.indexOf(line)).toBeLessThan(firstIp);
    }
    expect(script.indexOf('echo 0 > /proc/sys/net/ipv6/conf/eth0/accept_dad')).toBeLessThan(
      script.indexOf('echo 0 > /proc/sys/net/ipv6/conf/eth0/disable_ipv6'),
    );
  });
  it('an IPv6-only workload: no IPv4 address, gateway or proxy ARP; BIRD announces its /128 only (golden)', async () => {
    const topology = resolveTopology(await loadScenario('scenarios/dual-stack-bgp.ts'));
    const host2 = hostPlans(topology).find((p) => p.host === 'host2')!;
    const text = renderPlanText({ hosts: [host2] });
    expectGolden(text, 'ipv6-only.plan.txt');
    expect(text).not.toContain('169.254.1.1');
    expect(text).not.toContain('proxy_arp');
    expect(text).toContain('ip -n ns2 route add default via fe80::ecee:eeff:feee:eeee dev eth0');
    expect(text).toContain('route fd00:10:20:1::4/128 via "cali');
    expect(text).not.toMatch(/route \S+\/32/);
  });
});

describe('the docker router between segments', () => {
  it("takes each segment's gateway; Docker's own gateway moves to the highest address nobody uses", async () => {
    const topology = resolveTopology(await loadScenario('test/fixtures/two-segments.ts'));
    expect(topology.segments.map((s) => dockerGateway(topology, s))).toEqual(['192.168.1.254', '192.168.2.254']);
    const plan = routerPlan(topology)!;
    expect(plan.title).toBe(
      "router (a container on every segment's network: 192.168.1.1 on ens192 (Docker's own: 192.168.1.254), 192.168.2.1 on ens224 (Docker's own: 192.168.2.254))",
    );
    expect(renderScript(plan.sections, FABRIC, (n) => n, { createNamespaces: false, pathOf: dockerPath })).toContain(
      "ip -batch - <<'EOF'\nroute add 10.20.1.2 via 192.168.1.32\nroute add 10.20.1.3 via 192.168.2.16\nEOF",
    );
  });

  it('puts the IPv6 gateways on the interfaces Docker attached it with, IPv6 on and DAD off first', async () => {
    const topology = resolveTopology(await loadScenario('test/fixtures/two-segments-v6.ts'));
    const sections = routerLinks(topology, (segment) => (segment.name === 'ens192' ? 'eth0' : 'eth1'));
    const script = renderScript([...sections, ...routerPlan(topology)!.sections], FABRIC, (n) => n, {
      createNamespaces: false,
      pathOf: dockerPath,
    });
    expect(script).toContain(
      'addr add fd00:192:168:1::1/64 dev eth0 nodad\naddr add fd00:192:168:2::1/64 dev eth1 nodad\nroute add 10.20.1.2 via 192.168.1.32',
    );
    expect(script).toContain('route add fd00:10:20:1::3 via fd00:192:168:2::16');
    for (const conf of ['all', 'default', 'eth0', 'eth1']) {
      expect(script.indexOf(`echo 0 > /proc/sys/net/ipv6/conf/${conf}/disable_ipv6`)).toBeLessThan(
        script.indexOf('ip -batch'),
      );
      // Turning "all" on turns every link on: each must be without DAD before.
      expect(script.indexOf(`echo 0 > /proc/sys/net/ipv6/conf/${conf}/accept_dad`)).toBeLessThan(
        script.indexOf('echo 0 > /proc/sys/net/ipv6/conf/all/disable_ipv6'),
      );
    }
    expect(script).toContain('echo 0 > /proc/sys/net/ipv4/conf/eth1/rp_filter');
    // IPv4 only: the links' filter, no IPv6.
    const v4 = routerLinks(resolveTopology(await loadScenario('test/fixtures/two-segments.ts')), (segment) =>
      segment.name === 'ens192' ? 'eth0' : 'eth1',
    );
    expect(v4.flatMap((s) => s.ops).map((op) => (op.kind === 'sysctl' ? op.path : op.kind))).toEqual([
      'net/ipv4/conf/eth0/rp_filter',
      'net/ipv4/conf/eth1/rp_filter',
    ]);
  });

  it('is not there with one segment, nor with routing "none": Docker keeps the gateway', async () => {
    const one = resolveTopology(await loadScenario('scenarios/two-host.ts'));
    expect(routerPlan(one)).toBeUndefined();
    expect(dockerGateway(one, one.segments[0]!)).toBe('192.168.1.1');
    const unrouted = resolveTopology(
      parseScenario('s.ts', { ...(await loadScenario('test/fixtures/two-segments.ts')), routing: 'none', steps: [] }),
    );
    expect(routerPlan(unrouted)).toBeUndefined();
  });

  it('skips addresses hosts hold, and says so when a subnet has none left', async () => {
    const base = await loadScenario('test/fixtures/two-segments.ts');
    const crowded = resolveTopology(
      parseScenario('s.ts', {
        ...base,
        segments: [{ name: 'ens192', subnet: '192.168.1.0/30' }, base.segments[1]!],
        hosts: [{ ...base.hosts[0]!, address: '192.168.1.2' }, base.hosts[1]!],
        steps: [],
      }),
    );
    // Refused when the lab is planned, before anything is built.
    expect(() => routerPlan(crowded)).toThrow(/^segment ens192: 192\.168\.1\.0\/30 has no address left/);
    expect(() => dockerGateway(crowded, crowded.segments[0]!)).toThrow(
      "segment ens192: 192.168.1.0/30 has no address left for Docker's own gateway (the lab's router holds 192.168.1.1, the hosts the rest): give it a larger subnet",
    );
    const skipping = resolveTopology(
      parseScenario('s.ts', {
        ...base,
        hosts: [{ ...base.hosts[0]!, address: '192.168.1.254' }, base.hosts[1]!],
        steps: [],
      }),
    );
    expect(dockerGateway(skipping, skipping.segments[0]!)).toBe('192.168.1.253');
  });
});

describe('IP pools: the data path per pool of workload addresses', () => {
  it("routes each remote workload as its pool says; the tunnel device and MTU are the lab's (golden)", async () => {
    const topology = resolveTopology(await loadScenario('scenarios/ip-pools.ts'));
    expectGolden(renderPlanText({ hosts: hostPlans(topology) }), 'ip-pools.plan.txt');
    const [host0, host1] = topology.hosts;
    expect(peerRoutes(topology, host0!).map((r) => [r.route.join(' '), r.tunnel ?? 'none'])).toEqual([
      ['10.20.1.2 via 192.168.1.16 dev ens192', 'none'],
      ['10.30.1.2 via 10.30.1.0 dev vxlan.calico onlink', 'vxlan'],
      ['10.30.1.0 via 10.30.1.0 dev vxlan.calico onlink', 'vxlan'],
    ]);
    expect(tunnelBetween(topology, host0!, host1!)).toBe('vxlan');
  });

  it('across segments: the fabric routes the direct pool (ttl 61) and sees the other inside the tunnel (ttl 62)', async () => {
    const base = await loadScenario('scenarios/ip-pools.ts');
    const topology = resolveTopology(
      parseScenario('s.ts', {
        ...base,
        segments: [...base.segments, { name: 'ens224', subnet: '192.168.2.0/24' }],
        hosts: [
          { ...base.hosts[0]!, segment: 'ens192' },
          { ...base.hosts[1]!, segment: 'ens224', address: '192.168.2.16' },
        ],
        steps: [],
      }),
    );
    const node = (name: string) => findNode(topology, name)!;
    expect(expectedTtl(topology, node('ns0'), node('ns1'))).toBe(61);
    expect(expectedTtl(topology, node('vx0'), node('vx1'))).toBe(62);
    // The reply decides: to ns0 (direct pool) it crosses the fabric as it is.
    expect(expectedTtl(topology, node('ns0'), node('vx1'))).toBe(61);
    expect(expectedTtl(topology, node('vx1'), node('ns0'))).toBe(62);
    const fabric = renderScript(planFabric(topology), FABRIC, (n) => n, {
      createNamespaces: false,
      pathOf: dockerPath,
    });
    expect(fabric).toContain('route add 10.20.0.2 via 192.168.1.32');
    expect(fabric).not.toContain('10.30.0.2');
    // It filters no reverse path, set before its bridges exist (they inherit it): it sees packets
    // from workloads it has no route to (vx0's to host1, vx1's replies to ns0).
    const noFilter = fabric.indexOf('echo 0 > /proc/sys/net/ipv4/conf/default/rp_filter');
    expect(noFilter).toBeGreaterThan(-1);
    expect(fabric.indexOf('echo 0 > /proc/sys/net/ipv4/conf/all/rp_filter')).toBeGreaterThan(-1);
    expect(noFilter).toBeLessThan(fabric.indexOf('type bridge'));
  });
});
