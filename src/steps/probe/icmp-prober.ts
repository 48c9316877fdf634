/**
 * testbed's ICMP prober, run with `perl -` and this text on stdin: from one node, COUNT echo
 * requests to every target over one raw socket, each reply's ttl read from its IP header. One
 * process per source instead of one `ping` per pair (Debian's fping cannot print a ttl).
 */
export const ICMP_PROBER = String.raw`# testbed's ICMP prober: from one node, COUNT echo requests to every target, sent by this one
# process over one raw socket, and for each reply its ttl, read from the IP header. At most WINDOW
# requests are in flight at once, so that a burst never overflows a queue (ARP, the socket's
# receive buffer) and the verdict does not depend on how busy the machine is.
# Usage: perl - COUNT TIMEOUT_SECONDS TARGET...   (the script itself arrives on stdin)
# Prints one line per target: "ADDRESS sent=N received=N ttl=T[,T2] rtt=MIN/AVG/MAX errors=N [error=TEXT]".
# Start-up is most of a source's cost: no Socket, warnings or imports (7 ms to 2.6 ms here). The
# socket constants are Linux's on every architecture Node runs on.
use strict;
require Time::HiRes;
sub now { Time::HiRes::time() }
my ($PF_INET, $SOCK_RAW, $SOL_SOCKET, $SO_RCVBUF, $SO_RCVBUFFORCE) = (2, 3, 1, 8, 33);

my ($count, $timeout, @targets) = @ARGV;
my $WINDOW = 64;
socket(my $sock, $PF_INET, $SOCK_RAW, 1) or die "raw ICMP socket: $!\n";
# SO_RCVBUFFORCE as root, else SO_RCVBUF: room for every reply of a window, and more.
setsockopt($sock, $SOL_SOCKET, $SO_RCVBUFFORCE, pack('i', 1 << 22)) or setsockopt($sock, $SOL_SOCKET, $SO_RCVBUF, pack('i', 1 << 22));
my $id = $$ & 0xffff;

sub checksum {
  my ($data) = @_;
  $data .= "\0" if length($data) % 2;
  my $sum = 0;
  $sum += $_ for unpack('n*', $data);
  $sum = ($sum >> 16) + ($sum & 0xffff) while $sum >> 16;
  return ~$sum & 0xffff;
}

my (%sent_at, %stats);
for my $t (@targets) { $stats{$t} = { sent => 0, received => 0, ttls => {}, rtts => [], errors => 0, error => '' } }

# Request numbers: target index * count + round, so that a reply names its target.
my @queue;
for my $round (0 .. $count - 1) { push @queue, map { $_ * $count + $round } 0 .. $#targets }

sub send_one {
  my ($number) = @_;
  my $target = $targets[int($number / $count)];
  my @octets = $target =~ /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
  if (@octets != 4 || grep { $_ > 255 } @octets) { $stats{$target}{error} = 'not an address'; return }
  # struct sockaddr_in: family (host order), port, address, zero padding.
  my $to = pack('S n C4 x8', $PF_INET, 0, @octets);
  my $packet = pack('CCnnn', 8, 0, 0, $id, $number & 0xffff) . pack('a56', 'testbed');
  substr($packet, 2, 2) = pack('n', checksum($packet));
  if (send($sock, $packet, 0, $to)) {
    $sent_at{$number & 0xffff} = [now(), $number];
    $stats{$target}{sent}++;
  } else {
    $stats{$target}{errors}++;
    $stats{$target}{error} = "$!";
  }
}

sub receive_one {
  my $from = recv($sock, my $buffer, 1500, 0);
  return unless defined $from && length($buffer) >= 28;
  my $header = (unpack('C', $buffer) & 0x0f) * 4;
  my $ttl = unpack('C', substr($buffer, 8, 1));
  my ($type, undef, undef, $rid, $rseq) = unpack('CCnnn', substr($buffer, $header, 8));
  if ($type == 0 && $rid == $id && exists $sent_at{$rseq}) {
    my ($at, $number) = @{ delete $sent_at{$rseq} };
    my $s = $stats{ $targets[int($number / $count)] };
    $s->{received}++;
    $s->{ttls}{$ttl} = 1;
    push @{ $s->{rtts} }, (now() - $at) * 1000;
  } elsif ($type == 3 || $type == 11) {
    # An ICMP error quotes the request it is about: its IP header, then its ICMP header.
    my $inner = substr($buffer, $header + 8);
    return if length($inner) < 28;
    my $ihl = (unpack('C', $inner) & 0x0f) * 4;
    my (undef, undef, undef, $qid, $qseq) = unpack('CCnnn', substr($inner, $ihl, 8));
    return unless $qid == $id && exists $sent_at{$qseq};
    my (undef, $number) = @{ delete $sent_at{$qseq} };
    my $s = $stats{ $targets[int($number / $count)] };
    $s->{errors}++;
    $s->{error} = $type == 3 ? 'Destination Unreachable' : 'Time to live exceeded';
  }
}

while (@queue || %sent_at) {
  send_one(shift @queue) while @queue && keys(%sent_at) < $WINDOW;
  my $bits = '';
  vec($bits, fileno($sock), 1) = 1;
  receive_one() if select(my $ready = $bits, undef, undef, 0.01);
  # A request unanswered for TIMEOUT seconds is lost.
  my $now = now();
  for my $seq (keys %sent_at) { delete $sent_at{$seq} if $now - $sent_at{$seq}[0] > $timeout }
}

for my $t (@targets) {
  my $s = $stats{$t};
  my @r = sort { $a <=> $b } @{ $s->{rtts} };
  my $total = 0;
  $total += $_ for @r;
  my $rtt = @r ? sprintf('%.3f/%.3f/%.3f', $r[0], $total / @r, $r[-1]) : '-';
  my $ttls = join(',', sort { $b <=> $a } keys %{ $s->{ttls} }) || '-';
  my $error = $s->{error} eq '' ? '' : " error=$s->{error}";
  print "$t sent=$s->{sent} received=$s->{received} ttl=$ttls rtt=$rtt errors=$s->{errors}$error\n";
}
`;

/** What the prober found for one target. */
export interface ProbeReply {
  sent: number;
  received: number;
  ttls: number[];
  rtt?: { min: number; avg: number; max: number };
  errors: number;
  error?: string;
}

const line = /^(\S+) sent=(\d+) received=(\d+) ttl=(\S+) rtt=(\S+) errors=(\d+)(?: error=(.*))?$/;

/** Pure: the prober's lines, by target address. */
export function parseProber(output: string): Map<string, ProbeReply> {
  const replies = new Map<string, ProbeReply>();
  for (const text of output.split('\n')) {
    const m = line.exec(text.trim());
    if (!m) continue;
    const [min, avg, max] = m[5] === '-' ? [] : m[5]!.split('/').map(Number);
    replies.set(m[1]!, {
      sent: Number(m[2]),
      received: Number(m[3]),
      ttls: m[4] === '-' ? [] : m[4]!.split(',').map(Number),
      ...(min !== undefined ? { rtt: { min, avg: avg!, max: max! } } : {}),
      errors: Number(m[6]),
      ...(m[7] ? { error: m[7] } : {}),
    });
  }
  return replies;
}
