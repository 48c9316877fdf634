/**
 * testbed's ICMP prober, run with `perl -` and this text on stdin: from one node, COUNT echo
 * requests to every target over one raw socket, each reply's ttl read from its IP header. One
 * process per source instead of one `ping` per pair (Debian's fping cannot print a ttl).
 */
export const ICMP_PROBER = String.raw`# testbed's ICMP prober: from one node, COUNT echo requests to every target, sent by this one
# process over one raw socket, and for each reply its ttl, read from the IP header.
# Usage: perl - COUNT TIMEOUT_SECONDS TARGET...   (the script itself arrives on stdin)
# Prints one line per target: "ADDRESS sent=N received=N ttl=T[,T2] rtt=MIN/AVG/MAX errors=N [error=TEXT]".
use strict;
use warnings;
use Socket qw(PF_INET SOCK_RAW inet_aton inet_ntoa sockaddr_in);
use Time::HiRes qw(time);

my ($count, $timeout, @targets) = @ARGV;
socket(my $sock, PF_INET, SOCK_RAW, 1) or die "raw ICMP socket: $!\n";
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

# seq numbers: target index * count + k, so a reply names its target and its round.
my $seq = 0;
for my $round (1 .. $count) {
  for my $i (0 .. $#targets) {
    my $target = $targets[$i];
    my $number = $i * $count + $round - 1;
    my $payload = pack('a56', 'testbed');
    my $packet = pack('CCnnn', 8, 0, 0, $id, $number) . $payload;
    substr($packet, 2, 2) = pack('n', checksum($packet));
    my $address = inet_aton($target);
    if (!$address) { $stats{$target}{error} = "not an address"; next }
    if (send($sock, $packet, 0, sockaddr_in(0, $address))) {
      $sent_at{$number} = time;
      $stats{$target}{sent}++;
    } else {
      $stats{$target}{errors}++;
      $stats{$target}{error} = "$!";
    }
  }
}

my $expected = 0;
$expected += $stats{$_}{sent} for @targets;
my $got = 0;
my $deadline = time + $timeout;
while ($got < $expected) {
  my $left = $deadline - time;
  last if $left <= 0;
  my $bits = '';
  vec($bits, fileno($sock), 1) = 1;
  last unless select(my $ready = $bits, undef, undef, $left);
  my $from = recv($sock, my $buffer, 1500, 0);
  next unless defined $from;
  my $header = (unpack('C', $buffer) & 0x0f) * 4;
  my $ttl = unpack('C', substr($buffer, 8, 1));
  my ($type, $code, undef, $rid, $rseq) = unpack('CCnnn', substr($buffer, $header, 8));
  if ($type == 0 && $rid == $id) {
    my $target = $targets[int($rseq / $count)];
    next unless defined $target && exists $sent_at{$rseq};
    my $s = $stats{$target};
    $s->{received}++;
    $s->{ttls}{$ttl} = 1;
    push @{ $s->{rtts} }, (time - delete $sent_at{$rseq}) * 1000;
    $got++;
  } elsif ($type == 3 || $type == 11) {
    # An ICMP error quotes the request it is about: its IP header, then its ICMP header.
    my $inner = substr($buffer, $header + 8);
    my $ihl = (unpack('C', $inner) & 0x0f) * 4;
    my (undef, undef, undef, $qid, $qseq) = unpack('CCnnn', substr($inner, $ihl, 8));
    next unless defined $qid && $qid == $id;
    my $target = $targets[int($qseq / $count)];
    next unless defined $target;
    $stats{$target}{errors}++;
    $stats{$target}{error} = $type == 3 ? 'Destination Unreachable' : 'Time to live exceeded';
  }
}

for my $t (@targets) {
  my $s = $stats{$t};
  my @r = sort { $a <=> $b } @{ $s->{rtts} };
  my $avg = @r ? (eval { my $x = 0; $x += $_ for @r; $x }) / @r : 0;
  my $rtt = @r ? sprintf('%.3f/%.3f/%.3f', $r[0], $avg, $r[-1]) : '-';
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
