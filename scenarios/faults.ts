import { defineScenario } from 'testbed';

// What happens when something breaks, and that it heals: delay on a host's uplink shows in the rtt,
// a workload's veth going down makes it unreachable until it comes back, and stopping BIRD on a host
// withdraws its routes everywhere else until it is started again and the mesh converges.
export default defineScenario({
  name: 'faults',
  description: 'Delay, link loss and a BGP speaker going away, each undone and proven healed.',
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
  hosts: [0, 1, 2].map((h) => ({
    name: `host${h}`,
    address: `192.168.1.${10 + h}`,
    workloads: [{ name: `ns${h}`, address: `10.20.${h}.2` }],
  })),
  routing: 'bgp',
  steps: [
    { bgp: {} },
    { name: 'baseline: ns0 -> ns1 fast', ping: { from: 'ns0', to: 'ns1' }, expect: { ttl: 62, maxAvgRtt: 20 } },

    // Delay: 50 ms on everything host1 sends out of ens192, so every reply to ns0 is 50 ms late.
    { netem: { node: 'host1', delay: 50 } },
    { name: 'delay shows in the rtt', ping: { from: 'ns0', to: 'ns1' }, expect: { minAvgRtt: 50, maxAvgRtt: 150 } },
    { netem: { node: 'host1', clear: true } },
    { name: 'delay gone', ping: { from: 'ns0', to: 'ns1' }, expect: { maxAvgRtt: 20 } },

    // Link: ns1's veth down on host1.
    { linkDown: 'ns1' },
    {
      name: 'ns1 unreachable while its veth is down',
      ping: { from: 'ns0', to: 'ns1', count: 2 },
      expect: { reachable: false },
    },
    { linkUp: 'ns1' },
    { name: 'ns1 reachable again', ping: { from: 'ns0', to: 'ns1', count: 1 }, expect: { ttl: 62 }, within: 10 },

    // BGP: host2's BIRD stops; its routes vanish from host0, then come back when it restarts.
    { stopBgp: 'host2' },
    {
      name: "host2's workload route withdrawn from host0",
      route: { node: 'host0', to: '10.20.2.2', proto: 'bird' },
      expect: 'absent',
      within: 10,
    },
    {
      name: 'ns2 unreachable without its route',
      ping: { from: 'ns0', to: 'ns2', count: 2 },
      expect: { reachable: false },
    },
    { startBgp: 'host2' },
    { name: 'the mesh converges again', bgp: {} },
    { name: 'ns2 reachable again', ping: { from: 'ns0', to: 'ns2', count: 1 }, expect: { ttl: 62 } },
    // UDP after healing: 20 Mbit/s arrives with little loss. The bounds leave room for a busy machine,
    // where the receiver may not get the CPU in time for every datagram.
    {
      iperf3: { from: 'ns0', to: 'ns2', protocol: 'udp', bitrate: '20M', duration: 2 },
      expect: { minBitsPerSecond: 1.5e7, maxLoss: 10 },
    },
  ],
});
