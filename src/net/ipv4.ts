import { Address4 } from 'ip-address';

/** An IPv4 address with a prefix length, e.g. 10.20.1.2/32. */
export interface Cidr {
  address: string;
  prefix: number;
}

const dotted = /^\d{1,3}(\.\d{1,3}){3}$/;

/** True for a dotted-quad IPv4 address without prefix. */
export function isIpv4(text: string): boolean {
  return dotted.test(text) && Address4.isValid(text);
}

/** Parses "a.b.c.d" or "a.b.c.d/len"; a missing prefix becomes `defaultPrefix`. Undefined when invalid. */
export function parseCidr(text: string, defaultPrefix = 32): Cidr | undefined {
  const [address = '', prefixText, ...rest] = text.split('/');
  if (rest.length > 0 || !isIpv4(address)) return undefined;
  if (prefixText === undefined) return { address, prefix: defaultPrefix };
  if (!/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= 32 ? { address, prefix } : undefined;
}

export function formatCidr(cidr: Cidr): string {
  return `${cidr.address}/${cidr.prefix}`;
}

/** The network address of a CIDR (host bits cleared). */
export function networkAddress(cidr: Cidr): string {
  return new Address4(formatCidr(cidr)).startAddress().correctForm();
}

export function broadcastAddress(cidr: Cidr): string {
  return new Address4(formatCidr(cidr)).endAddress().correctForm();
}

/** The first usable address of a subnet (network + 1): the conventional gateway. */
export function firstHostAddress(cidr: Cidr): string {
  return Address4.fromBigInt(new Address4(formatCidr(cidr)).startAddress().bigInt() + 1n).correctForm();
}

export function contains(subnet: Cidr, address: string): boolean {
  return new Address4(address).isInSubnet(new Address4(formatCidr(subnet)));
}
