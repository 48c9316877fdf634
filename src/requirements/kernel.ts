import type { ProgramName } from './programs.js';

/**
 * Kernel features a scenario may need, each with a probe that proves it where hosts run (in a
 * fresh, empty network namespace: only `lo` exists there) and the build option that provides it.
 */
export const KERNEL_FEATURES = {
  sch_netem: {
    config: 'CONFIG_NET_SCH_NETEM',
    probe: 'tc qdisc add dev lo root netem delay 1ms',
    probeNeeds: 'tc',
    usedFor: 'netem steps (delay, jitter, loss, rate)',
  },
  vxlan: {
    config: 'CONFIG_VXLAN',
    probe: 'ip link add testbed-vxlan type vxlan id 1 dstport 4789',
    probeNeeds: 'ip',
    usedFor: 'encapsulation "vxlan" (vxlan.calico)',
  },
  ipip: {
    config: 'CONFIG_NET_IPIP',
    // With a remote of its own (TEST-NET-1; the device never goes up): without one it would be the
    // catch-all tunl0 again, which the module gives every namespace and the kernel refuses twice.
    probe: 'ip link add testbed-ipip type ipip remote 192.0.2.1 && ip link show dev tunl0',
    probeNeeds: 'ip',
    usedFor: 'encapsulation "ipip" (tunl0)',
  },
} as const satisfies Record<string, KernelFeatureInfo>;

export interface KernelFeatureInfo {
  config: string;
  /**
   * A shell command that succeeds only where the feature works; it may change the namespace it
   * runs in, which the other probes share: what it creates has a name of its own.
   */
  probe: string;
  /** The program the probe runs: without it the feature cannot be told. */
  probeNeeds: ProgramName;
  usedFor: string;
}

export type KernelFeature = keyof typeof KERNEL_FEATURES;
