import { networkAddress, parseCidr } from '../net/ipv4.js';

/**
 * The lab as a scenario defines it, every default applied: what the scenario schema produces and
 * the topology resolves. The model knows no schema; src/scenario/lab-schema.ts checks that its
 * output is exactly this.
 */
export interface LabDefinition {
  name: string;
  description?: string | undefined;
  segments: SegmentDefinition[];
  hosts: HostDefinition[];
  routing: 'static' | 'bgp' | 'none';
  encapsulation: Encapsulation;
  crossSubnet: boolean;
  pools: PoolDefinition[];
  bgp: BgpDefinition;
  backendOptions: Record<string, Record<string, unknown>>;
}

export type Encapsulation = 'direct' | 'ipip' | 'vxlan';

export interface SegmentDefinition {
  name: string;
  subnet: string;
  gateway?: string | undefined;
  subnet6?: string | undefined;
  gateway6?: string | undefined;
}

export interface HostDefinition {
  name: string;
  segment?: string | undefined;
  address: string;
  tunnelAddress?: string | undefined;
  address6?: string | undefined;
  workloads: WorkloadDefinition[];
}

export interface WorkloadDefinition {
  name: string;
  address?: string | undefined;
  interface: string;
  hostInterface?: string | undefined;
  hostMac: string;
  proxyDelay: number | 'kernel';
  address6?: string | undefined;
}

export interface PoolDefinition {
  cidr: string;
  encapsulation: Encapsulation;
  crossSubnet: boolean;
}

export interface BgpDefinition {
  asn: number;
  reflectors: string[];
  block?: number | undefined;
  extraConfig?: string | undefined;
}

/** A host's tunnel address: its own, or the first address of its block (the block's network address, as Calico hands out). */
export function tunnelAddressOf(
  host: { tunnelAddress?: string | undefined; workloads: ({ address?: string | undefined } | undefined)[] },
  block: number | undefined,
): string | undefined {
  if (host.tunnelAddress !== undefined) return host.tunnelAddress;
  const first = host.workloads.find((w) => w?.address !== undefined);
  const address = first?.address === undefined ? undefined : parseCidr(first.address);
  return block !== undefined && address ? networkAddress({ address: address.address, prefix: block }) : undefined;
}
