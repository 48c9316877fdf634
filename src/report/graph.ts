import { bgpPeers } from '../dataplane/bird.js';
import { formatCidr } from '../net/ipv4.js';
import { formatCidr6 } from '../net/ipv6.js';
import { workloadAddresses, type Host, type Topology } from '../topology/topology.js';

/** The BGP sessions of a lab, each once: [host, host, kind]. */
function sessions(topology: Topology): [Host, Host, string][] {
  if (topology.routing !== 'bgp') return [];
  const seen = new Set<string>();
  return topology.hosts.flatMap((host) =>
    bgpPeers(topology, host).flatMap(({ peer, rrClient }): [Host, Host, string][] => {
      const key = [host.name, peer.name].sort().join('|');
      if (seen.has(key)) return [];
      seen.add(key);
      return [[host, peer, rrClient || topology.bgp.reflectors.includes(peer.name) ? 'iBGP, reflected' : 'iBGP']];
    }),
  );
}

const mermaidText = (text: string) => text.replace(/"/g, '#quot;');

/** Pure: the lab as a Mermaid flowchart: segments, hosts with address and uplink, workloads with /32 and cali name, BGP sessions. */
export function mermaidOf(topology: Topology): string {
  const lines = ['flowchart TB'];
  const id = (kind: string, i: number) => `${kind}${i}`;
  topology.segments.forEach((segment, s) => {
    lines.push(
      `  ${id('s', s)}[["${mermaidText(`segment ${segment.name} ${formatCidr(segment.subnet)}, gateway ${segment.gateway}`)}"]]`,
    );
  });
  let w = 0;
  topology.hosts.forEach((host, h) => {
    const s = topology.segments.indexOf(host.segment);
    lines.push(`  ${id('h', h)}["${mermaidText(`${host.name}<br/>${host.address} on ${host.segment.name}`)}"]`);
    lines.push(`  ${id('s', s)} --- ${id('h', h)}`);
    for (const workload of host.workloads) {
      lines.push(
        `  ${id('w', w)}(["${mermaidText(`${workload.name}<br/>${workloadAddresses(workload).join('<br/>')}<br/>${workload.hostInterface}`)}"])`,
      );
      lines.push(`  ${id('h', h)} --- ${id('w', w)}`);
      w++;
    }
  });
  for (const [a, b, kind] of sessions(topology)) {
    lines.push(`  ${id('h', topology.hosts.indexOf(a))} -. ${kind} .- ${id('h', topology.hosts.indexOf(b))}`);
  }
  return `${lines.join('\n')}\n`;
}

const xml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Pure: the lab as a standalone SVG, drawn without a browser: each segment a bar with its hosts
 * below it, each host's workloads below the host, BGP sessions as dashed arcs between hosts.
 */
// eslint-disable-next-line max-lines-per-function -- one drawing, row by row; its coordinates depend on the rows above
export function svgOf(topology: Topology): string {
  const column = 200;
  const line = 17;
  // Dual stack adds a line to a host (its IPv6 address) and to a workload with both addresses.
  const hostHeight = 46 + (topology.hosts.some((h) => h.address6) ? line : 0);
  const addressLines = Math.max(1, ...topology.workloads.map((w) => workloadAddresses(w).length));
  const workloadHeight = 44 + (addressLines - 1) * line;
  const gap = 10;
  const arcRoom = 36;
  const rows = topology.segments.map((segment) => topology.hosts.filter((h) => h.segment === segment));
  const deepest = (hosts: Host[]) => Math.max(0, ...hosts.map((h) => h.workloads.length));
  const rowHeight = (hosts: Host[]) => arcRoom + 30 + gap + hostHeight + deepest(hosts) * (workloadHeight + gap) + 30;
  const width = Math.max(480, 20 + Math.max(...rows.map((r) => r.length)) * column);
  const height = rows.reduce((sum, r) => sum + rowHeight(r), 40);
  const where = new Map<Host, { x: number; y: number }>();
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${xml(`lab ${topology.lab}`)}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15">${xml(`lab ${topology.lab} (${topology.name}), routing ${topology.routing}`)}</text>`,
  ];
  let top = 40;
  rows.forEach((hosts, s) => {
    const segment = topology.segments[s]!;
    const barY = top + arcRoom;
    out.push(
      `<rect x="10" y="${barY}" width="${width - 20}" height="24" rx="4" fill="#e8eef7" stroke="#5b7db1"/>`,
      `<text x="18" y="${barY + 16}">${xml(`segment ${segment.name}  ${formatCidr(segment.subnet)}  gateway ${segment.gateway}${segment.subnet6 ? `  ${formatCidr6(segment.subnet6)}` : ''}`)}</text>`,
    );
    hosts.forEach((host, i) => {
      const x = 20 + i * column;
      const y = barY + 24 + gap;
      where.set(host, { x: x + (column - 20) / 2, y: barY });
      out.push(
        `<line x1="${x + (column - 20) / 2}" y1="${barY + 24}" x2="${x + (column - 20) / 2}" y2="${y}" stroke="#5b7db1"/>`,
        `<rect x="${x}" y="${y}" width="${column - 20}" height="${hostHeight}" rx="4" fill="#fdf3e1" stroke="#c08a2e"/>`,
        `<text x="${x + 8}" y="${y + 18}" font-weight="bold">${xml(host.name)}</text>`,
        `<text x="${x + 8}" y="${y + 36}">${xml(`${host.address} on ${host.segment.name}`)}</text>`,
        ...(host.address6 ? [`<text x="${x + 8}" y="${y + 36 + line}">${xml(host.address6)}</text>`] : []),
      );
      host.workloads.forEach((workload, k) => {
        const wy = y + hostHeight + gap + k * (workloadHeight + gap);
        const [first, ...more] = workloadAddresses(workload);
        out.push(
          `<line x1="${x + 14}" y1="${wy - gap}" x2="${x + 14}" y2="${wy}" stroke="#3c8d5a"/>`,
          `<rect x="${x + 6}" y="${wy}" width="${column - 32}" height="${workloadHeight}" rx="10" fill="#e7f5ec" stroke="#3c8d5a"/>`,
          `<text x="${x + 14}" y="${wy + 17}">${xml(`${workload.name}  ${first}`)}</text>`,
          ...more.map((address, m) => `<text x="${x + 14}" y="${wy + 17 + (m + 1) * line}">${xml(address)}</text>`),
          `<text x="${x + 14}" y="${wy + workloadHeight - 10}" fill="#555">${xml(workload.hostInterface)}</text>`,
        );
      });
    });
    top += rowHeight(hosts);
  });
  for (const [a, b, kind] of sessions(topology)) {
    const p = where.get(a)!;
    const q = where.get(b)!;
    const lift = Math.min(arcRoom - 4, 8 + Math.abs(q.x - p.x) / 12);
    out.push(
      `<path d="M ${p.x} ${p.y} Q ${(p.x + q.x) / 2} ${p.y - lift * 2} ${q.x} ${q.y}" fill="none" stroke="#8a4fb3" stroke-dasharray="4 3"><title>${xml(`${a.name} – ${b.name}: ${kind}`)}</title></path>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
