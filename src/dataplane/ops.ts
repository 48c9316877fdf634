/**
 * One operation of a plan, in the namespace of node `ns` (a host or a workload name; the lab
 * fabric is FABRIC). A backend maps node names to its own namespace names.
 */
export type Op =
  | { kind: 'netns'; ns: string }
  | { kind: 'ip'; ns: string; args: IpArg[] }
  /** A `bridge` command (forwarding entries of a VXLAN device); runs after every `ip` operation. */
  | { kind: 'bridge'; ns: string; args: string[] }
  /** `early`: before every `ip` operation (a setting the links need from the start), else after them. */
  | { kind: 'sysctl'; ns: string; path: string; value: string; early?: boolean }
  /** Write a file (creating its folder); runs after the links, addresses and sysctls. */
  | { kind: 'file'; ns: string; path: string; content: string }
  /** Run a command to completion, last of all (e.g. start a daemon that forks). */
  | { kind: 'run'; ns: string; argv: string[] };

/** An `ip` argument; `{ netns }` is a node whose namespace name the backend fills in. */
export type IpArg = string | { netns: string };

/** A group of operations with the comment that explains them. */
export interface Section {
  comment: string;
  ops: Op[];
}

/** Everything one host needs: its uplink, its workloads, its routes. Runs inside the host. */
export interface HostPlan {
  host: string;
  title: string;
  sections: Section[];
}

/** The namespace that holds a lab's segments (bridges and gateways) on the netns backend. */
export const FABRIC = '@fabric';

export const ip = (ns: string, ...args: IpArg[]): Op => ({ kind: 'ip', ns, args });
export const bridge = (ns: string, ...args: string[]): Op => ({ kind: 'bridge', ns, args });
export const file = (ns: string, path: string, content: string): Op => ({ kind: 'file', ns, path, content });
export const run = (ns: string, ...argv: string[]): Op => ({ kind: 'run', ns, argv });
export const netns = (ns: string): Op => ({ kind: 'netns', ns });
/** `key` in /proc/sys path form: net/ipv4/conf/eth0/proxy_arp. */
export const sysctl = (ns: string, path: string, value: string | number, { early = false } = {}): Op => ({
  kind: 'sysctl',
  ns,
  path,
  value: String(value),
  ...(early ? { early } : {}),
});
