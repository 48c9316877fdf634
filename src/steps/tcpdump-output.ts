/** One packet as `tcpdump -l -n -e -v -i any` prints it (Linux cooked v2: interface and direction first). */
export interface CapturedPacket {
  time: string;
  iface: string;
  /** In, Out, B (broadcast), M (multicast), P (to another host). */
  direction: string;
  /** The link-layer source address ('' on a device without one, such as tunl0). */
  mac: string;
  arp?: { op: 'request' | 'reply'; address: string; asker?: string; answer?: string };
  /** IPv6 neighbour discovery: a solicitation for `address`, or an advertisement of it (by the packet's `mac`). */
  nd?: { op: 'solicitation' | 'advertisement'; address: string };
  /** The innermost IP packet (the one inside a tunnel, where there is one). */
  ip?: IpLayer;
  /** The header a tunnel wrapped it in: IPIP (protocol 4), or VXLAN in UDP. */
  outer?: Encapsulation;
}

export interface IpLayer {
  ttl: number;
  src: string;
  dst: string;
  what: string;
}

export interface Encapsulation {
  kind: 'ipip' | 'vxlan';
  src: string;
  dst: string;
  vni?: number;
}

/** The link-layer address is missing where there is none (tunl0). */
const header = /^(\d\d:\d\d:\d\d\.\d+) (\S+)\s+(In|Out|B|M|P)\s+ifindex \d+ (?:([0-9a-f:]{17}) )?ethertype (\S+)/;
const arpRequest = /Request who-has ([\d.]+) tell ([\d.]+)/;
const arpReply = /Reply ([\d.]+) is-at ([0-9a-f:]{17})/;
/** An IPv4 header as -v prints it; IPIP puts a second one after the outer addresses. */
const ipHeader = /\(tos \S+, ttl (\d+),[^)]*proto (\S+) \(\d+\)/;
/** "src > dst: what", where addresses may carry a port (192.168.1.32.34133). */
const ipAddresses = /^\s*(\d+\.\d+\.\d+\.\d+)(?:\.\d+)? > (\d+\.\d+\.\d+\.\d+)(?:\.\d+)?: (.*)$/;
const vxlanVni = /^VXLAN, .*vni (\d+)/;
/** An IPv6 packet as -v prints it, on one line: the header in parentheses, then "src > dst: what". */
const ip6Packet =
  /\([^()]*hlim (\d+), next-header (\S+) \(\d+\) payload length: \d+\) ([0-9a-f:]+)(?:\.\d+)? > ([0-9a-f:]+)(?:\.\d+)?: (?:\[[^\]]*\] )?(.*)$/;
const ndSolicitation = /ICMP6, neighbor solicitation, .*who has ([0-9a-f:]+)/;
const ndAdvertisement = /ICMP6, neighbor advertisement, .*tgt is ([0-9a-f:]+)/;

interface Layer extends IpLayer {
  proto: string;
}

/** Pure: the packets in tcpdump's text output; lines it does not know are skipped. */
export function parseTcpdump(text: string): CapturedPacket[] {
  const packets: { packet: CapturedPacket; layers: Layer[]; vni?: number; v6?: boolean }[] = [];
  for (const line of text.split('\n')) {
    const h = header.exec(line);
    const current = h ? undefined : packets.at(-1);
    if (h) {
      const packet: CapturedPacket = { time: h[1]!, iface: h[2]!, direction: h[3]!, mac: h[4] ?? '' };
      const request = arpRequest.exec(line);
      const reply = arpReply.exec(line);
      if (request) packet.arp = { op: 'request', address: request[1]!, asker: request[2]! };
      else if (reply) packet.arp = { op: 'reply', address: reply[1]!, answer: reply[2]! };
      const ip6 = ip6Packet.exec(line);
      if (ip6) {
        // "ICMP6, echo request, id 1, seq 1" reads as "ICMP6 echo request".
        const what = ip6[5]!.split(', ').slice(0, 2).join(' ');
        packet.ip = { ttl: Number(ip6[1]), src: ip6[3]!, dst: ip6[4]!, what };
        const solicited = ndSolicitation.exec(line);
        const advertised = ndAdvertisement.exec(line);
        if (solicited) packet.nd = { op: 'solicitation', address: solicited[1]! };
        else if (advertised) packet.nd = { op: 'advertisement', address: advertised[1]! };
        packets.push({ packet, layers: [], v6: true });
        continue;
      }
      packets.push({ packet, layers: [] });
    }
    const entry = current ?? packets.at(-1);
    // An IPv6 packet is whole on its header line; what -v adds below it (options) is not a layer.
    if (!entry || entry.v6) continue;
    // An address line belongs to the last header without addresses; a header opens a layer.
    const addresses = h ? null : ipAddresses.exec(line);
    const open = entry.layers.at(-1);
    if (addresses && open && !open.src) {
      Object.assign(open, { src: addresses[1], dst: addresses[2], what: addresses[3]!.split(',')[0] });
      const vni = vxlanVni.exec(addresses[3]!);
      if (vni) entry.vni = Number(vni[1]);
    }
    const ip = ipHeader.exec(addresses ? addresses[3]! : line);
    // A second header is a packet inside a tunnel only under IPIP or VXLAN; elsewhere it is the
    // request an ICMP error quotes, which is no packet of its own.
    const inTunnel = entry.layers.length === 1 && (entry.layers[0]!.proto === 'IPIP' || entry.vni !== undefined);
    if (ip && (entry.layers.length === 0 || inTunnel))
      entry.layers.push({ ttl: Number(ip[1]), proto: ip[2]!, src: '', dst: '', what: '' });
  }
  return packets.map(({ packet, layers, vni, v6 }) => {
    if (v6) return packet;
    const inner = layers.at(-1);
    if (inner) packet.ip = { ttl: inner.ttl, src: inner.src, dst: inner.dst, what: inner.what };
    const outer = layers.length > 1 ? layers[0]! : undefined;
    if (outer?.proto === 'IPIP') packet.outer = { kind: 'ipip', src: outer.src, dst: outer.dst };
    else if (outer && vni !== undefined) packet.outer = { kind: 'vxlan', src: outer.src, dst: outer.dst, vni };
    return packet;
  });
}

const ECHO_REQUESTS = ['ICMP echo request', 'ICMP6 echo request'];

/** One node the traced packet crossed: where it came in and went out, with its ttl there. */
export interface Hop {
  node: string;
  in?: { iface: string; ttl: number };
  out?: { iface: string; ttl: number };
  /** The tunnel header the packet wore on this node's wire, in or out. */
  outer?: Encapsulation;
  time: string;
}

/**
 * Pure: the path of the first echo request from `src` to `dst`, read from each node's capture:
 * the nodes that saw it, in the order they saw it, with interface and ttl in and out.
 */
export function tracePath(captures: { node: string; packets: CapturedPacket[] }[], src: string, dst: string): Hop[] {
  const hops = captures.flatMap(({ node, packets }) => {
    const seen = packets.filter((p) => p.ip?.src === src && p.ip.dst === dst && ECHO_REQUESTS.includes(p.ip.what));
    if (seen.length === 0) return [];
    // Inside a tunnel the packet shows twice on a host: on the tunnel device, and wrapped on the uplink.
    const entered = seen.find((p) => p.direction !== 'Out' && !p.outer);
    const left = seen.find((p) => p.direction === 'Out' && !p.outer);
    const wrapped = seen.find((p) => p.outer);
    // A node that saw it only wrapped did not route it.
    if (!entered && !left) return [];
    return [
      {
        node,
        ...(entered ? { in: { iface: entered.iface, ttl: entered.ip!.ttl } } : {}),
        ...(left ? { out: { iface: left.iface, ttl: left.ip!.ttl } } : {}),
        ...(wrapped ? { outer: wrapped.outer } : {}),
        time: (entered ?? left)!.time,
      },
    ];
  });
  // Each router lowers the ttl: order by the ttl a node got the packet with (the sender, which got it
  // from no one, first), and only then by clock, which may differ between machines.
  const arrival = (h: Hop) => h.in?.ttl ?? h.out!.ttl;
  return hops.sort(
    (a, b) =>
      arrival(b) - arrival(a) ||
      Number(a.in !== undefined) - Number(b.in !== undefined) ||
      a.time.localeCompare(b.time),
  );
}

/** Pure: who answered a neighbour solicitation for `gateway` in a capture (IPv6), if anyone: whether it was asked, and the MAC that advertised it. */
export function ndAnswer(packets: CapturedPacket[], gateway: string): { asked: boolean; answer?: string } {
  const asked = packets.some((p) => p.nd?.op === 'solicitation' && p.nd.address === gateway);
  const advert = packets.find((p) => p.nd?.op === 'advertisement' && p.nd.address === gateway);
  return { asked, ...(advert?.mac ? { answer: advert.mac } : {}) };
}

/** Pure: who answered `gateway`'s ARP in a capture, if anyone: the request and the MAC of the answer. */
export function arpAnswer(packets: CapturedPacket[], gateway: string): { asked: boolean; answer?: string } {
  const asked = packets.some((p) => p.arp?.op === 'request' && p.arp.address === gateway);
  const reply = packets.find((p) => p.arp?.op === 'reply' && p.arp.address === gateway);
  return { asked, ...(reply?.arp?.answer ? { answer: reply.arp.answer } : {}) };
}
