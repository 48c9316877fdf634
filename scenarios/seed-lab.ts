import { defineScenario } from 'testbed';

// The seed article's literal commands: the host end is "veth0" with the kernel's own MAC, the
// workloads have /24 addresses, and proxy_delay is left at the kernel default. Still ttl 62.
const seedWorkload = (name: string, address: string) => ({
  name,
  address: `${address}/24`,
  hostInterface: 'veth0',
  hostMac: 'kernel' as const,
  proxyDelay: 'kernel' as const,
});

export default defineScenario({
  name: 'seed-lab',
  description: 'The seed article\'s "模拟组网" commands, literally.',
  segments: [{ name: 'ens192', subnet: '192.168.1.0/24' }],
  hosts: [
    { name: 'Host0', address: '192.168.1.32', workloads: [seedWorkload('ns0', '10.20.1.2')] },
    { name: 'Host1', address: '192.168.1.16', workloads: [seedWorkload('ns1', '10.20.1.3')] },
  ],
  steps: [
    // Each host delays its first proxied ARP answer by up to proxy_delay (0.8 s), so the first
    // replies can take well over a second: wait up to 3 s for them.
    { ping: { from: 'ns0', to: 'ns1', timeout: 3 }, expect: { ttl: 62, maxLoss: 0 } },
    { ping: { from: 'ns1', to: 'ns0', timeout: 3 }, expect: { ttl: 62, maxLoss: 0 } },
    { route: { node: 'Host0', to: '10.20.1.2', dev: 'veth0', scope: 'link' } },
    { route: { node: 'Host0', to: '10.20.1.3', via: '192.168.1.16', dev: 'ens192' } },
    { sysctl: { node: 'Host0', key: 'net.ipv4.conf.veth0.proxy_arp' }, expect: 1 },
  ],
});
