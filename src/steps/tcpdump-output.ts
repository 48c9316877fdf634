/** One packet as `tcpdump -l -n -e -v -i any` prints it (Linux cooked v2: interface and direction first). */
export interface CapturedPacket {
  time: string;
  iface: string;
  /** In, Out, B (broadcast), M (multicast), P (to another host). */
  direction: string;
  /** The link-layer source address. */
  mac: string;
  arp?: { op: 'request' | 'reply'; address: string; asker?: string; answer?: string };
  ip?: { ttl: number; src: string; dst: string; what: string };
}

const header = /^(\d\d:\d\d:\d\d\.\d+) (\S+)\s+(In|Out|B|M|P)\s+ifindex \d+ ([0-9a-f:]{17}) ethertype (\S+)/;
const arpRequest = /Request who-has ([\d.]+) tell ([\d.]+)/;
const arpReply = /Reply ([\d.]+) is-at ([0-9a-f:]{17})/;
const ipHeader = /\(tos \S+, ttl (\d+),/;
const ipAddresses = /^\s+([\d.]+) > ([\d.]+): (.*)$/;

/** Pure: the packets in tcpdump's text output; lines it does not know are skipped. */
export function parseTcpdump(text: string): CapturedPacket[] {
  const packets: CapturedPacket[] = [];
  for (const line of text.split('\n')) {
    const h = header.exec(line);
    if (h) {
      const packet: CapturedPacket = { time: h[1]!, iface: h[2]!, direction: h[3]!, mac: h[4]! };
      const request = arpRequest.exec(line);
      const reply = arpReply.exec(line);
      if (request) packet.arp = { op: 'request', address: request[1]!, asker: request[2]! };
      else if (reply) packet.arp = { op: 'reply', address: reply[1]!, answer: reply[2]! };
      const ttl = ipHeader.exec(line);
      if (ttl) packet.ip = { ttl: Number(ttl[1]), src: '', dst: '', what: '' };
      packets.push(packet);
      continue;
    }
    const addresses = ipAddresses.exec(line);
    const last = packets.at(-1);
    if (addresses && last?.ip && !last.ip.src) Object.assign(last.ip, { src: addresses[1], dst: addresses[2], what: addresses[3]!.split(',')[0] });
  }
  return packets;
}

/** One node the traced packet crossed: where it came in and went out, with its ttl there. */
export interface Hop {
  node: string;
  in?: { iface: string; ttl: number };
  out?: { iface: string; ttl: number };
  time: string;
}

/**
 * Pure: the path of the first echo request from `src` to `dst`, read from each node's capture:
 * the nodes that saw it, in the order they saw it, with interface and ttl in and out.
 */
export function tracePath(captures: { node: string; packets: CapturedPacket[] }[], src: string, dst: string): Hop[] {
  const hops = captures.flatMap(({ node, packets }) => {
    const seen = packets.filter((p) => p.ip?.src === src && p.ip.dst === dst && p.ip.what === 'ICMP echo request');
    if (seen.length === 0) return [];
    const entered = seen.find((p) => p.direction !== 'Out');
    const left = seen.find((p) => p.direction === 'Out');
    return [
      {
        node,
        ...(entered ? { in: { iface: entered.iface, ttl: entered.ip!.ttl } } : {}),
        ...(left ? { out: { iface: left.iface, ttl: left.ip!.ttl } } : {}),
        time: (entered ?? left)!.time,
      },
    ];
  });
  // Each router lowers the ttl: order by the ttl a node got the packet with (the sender, which got it
  // from no one, first), and only then by clock, which may differ between machines.
  const arrival = (h: Hop) => h.in?.ttl ?? h.out!.ttl;
  return hops.sort((a, b) => arrival(b) - arrival(a) || Number(a.in !== undefined) - Number(b.in !== undefined) || a.time.localeCompare(b.time));
}

/** Pure: who answered `gateway`'s ARP in a capture, if anyone: the request and the MAC of the answer. */
export function arpAnswer(packets: CapturedPacket[], gateway: string): { asked: boolean; answer?: string } {
  const asked = packets.some((p) => p.arp?.op === 'request' && p.arp.address === gateway);
  const reply = packets.find((p) => p.arp?.op === 'reply' && p.arp.address === gateway);
  return { asked, ...(reply?.arp?.answer ? { answer: reply.arp.answer } : {}) };
}
