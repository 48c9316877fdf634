import { createHash } from 'node:crypto';
import { IFNAME_MAX } from '../net/special.js';

/** Calico names a workload's host-side veth "cali" + 11 hex chars of a hash of the endpoint. */
export function caliName(lab: string, host: string, workload: string): string {
  return `cali${hash(`${lab}/${host}/${workload}`).slice(0, 11)}`;
}

/** `preferred` when it fits IFNAMSIZ, else `prefix` + a hash of it cut to fit. */
export function fitInterfaceName(preferred: string, prefix: string): string {
  if (preferred.length <= IFNAME_MAX) return preferred;
  return prefix + hash(preferred).slice(0, IFNAME_MAX - prefix.length);
}

function hash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
