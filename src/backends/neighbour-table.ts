import { readFile } from 'node:fs/promises';

/**
 * The kernel's IPv4 neighbour (ARP) table where a backend's hosts run. It is one table for all
 * network namespaces of that kernel, and its size limit and statistics can only be read from
 * the initial namespace.
 */
export interface NeighbourTable {
  /** net.ipv4.neigh.default.gc_thresh3: entries above it are refused, and their packets dropped. */
  limit: number;
  /** How often, since boot, an entry was refused because the table was full. */
  fulls: number;
}

export const NEIGHBOUR_LIMIT_FILE = '/proc/sys/net/ipv4/neigh/default/gc_thresh3';
export const NEIGHBOUR_STATS_FILE = '/proc/net/stat/arp_cache';

/** Pure: the table from the limit file's text and the statistics file's (hex, one line per CPU). */
export function parseNeighbourTable(limitText: string, statsText: string): NeighbourTable | undefined {
  const limit = Number(limitText.trim());
  const [header, ...rows] = statsText.trim().split('\n');
  const column = header?.trim().split(/\s+/).indexOf('table_fulls') ?? -1;
  if (!Number.isInteger(limit) || limit <= 0 || column < 0 || rows.length === 0) return undefined;
  let fulls = 0;
  for (const row of rows) fulls += parseInt(row.trim().split(/\s+/)[column] ?? '', 16) || 0;
  return { limit, fulls };
}

/** This process's kernel's table; undefined outside the initial network namespace (the files are not there). */
export async function readLocalNeighbourTable(): Promise<NeighbourTable | undefined> {
  try {
    const [limit, stats] = await Promise.all([
      readFile(NEIGHBOUR_LIMIT_FILE, 'utf8'),
      readFile(NEIGHBOUR_STATS_FILE, 'utf8'),
    ]);
    return parseNeighbourTable(limit, stats);
  } catch {
    return undefined;
  }
}
