# testbed's ICMP prober: from each source, COUNT echo requests to every target but the source's
# own address, and for each reply its ttl, read from the IP header. Each source's raw socket is
# opened in its network namespace (setns), so one process serves all sources of a host. At most
# WINDOW requests per socket are in flight at once, so that a burst never overflows a queue (ARP,
# the socket's receive buffer) and the verdict does not depend on how busy the machine is.
# Usage: perl - WINDOW COUNT TIMEOUT_SECONDS N (SOURCE NAMESPACE_PATH OWN_ADDRESS)xN TARGET...
#   NAMESPACE_PATH "-" is the namespace the prober runs in. Addresses are all IPv4 or all IPv6
#   (as the first target is). IPv6: ICMPv6 echo over a raw socket, whose replies come without
#   their IPv6 header; they are read, with the hop limit, from a packet socket in the namespace.
# Prints one line per source and target:
#   "SOURCE ADDRESS sent=N received=N ttl=T[,T2] rtt=MIN/AVG/MAX errors=N [error=TEXT]".
# Start-up is a large part of the cost: no Socket, warnings or imports. The socket constants are
# Linux's on every architecture Node runs on.
use strict;
require Time::HiRes;
sub now { Time::HiRes::time() }
my ($PF_INET, $SOCK_RAW, $SOL_SOCKET, $SO_RCVBUF, $SO_RCVBUFFORCE, $MSG_DONTWAIT, $CLONE_NEWNET) = (2, 3, 1, 8, 33, 0x40, 0x40000000);
my ($PF_INET6, $PF_PACKET, $SOCK_DGRAM, $IPPROTO_ICMPV6, $ICMP6_FILTER, $ETH_P_IPV6) = (10, 17, 2, 58, 1, 0x86dd);

my ($window, $count, $timeout, $n, @rest) = @ARGV;
my @sources = map { my ($name, $ns, $own) = splice(@rest, 0, 3); +{ name => $name, ns => $ns, own => $own } } 1 .. $n;
my @targets = @rest;
my $id = $$ & 0xffff;
my $v6 = ($targets[0] // '') =~ /:/;

# An IPv6 address as 16 bytes, or undef.
sub pack6 {
  my ($text) = @_;
  return undef if $text !~ /^[0-9a-fA-F:]+$/ || $text =~ /::.*::|:::/;
  my ($head, $tail) = split(/::/, $text, -1);
  # Either side of "::" may be empty as a whole; no group may be.
  my @head = $head eq '' ? () : split(/:/, $head, -1);
  my @tail = !defined $tail || $tail eq '' ? () : split(/:/, $tail, -1);
  return undef if grep { !/^[0-9a-fA-F]{1,4}$/ } @head, @tail;
  my $missing = 8 - @head - @tail;
  return undef if defined $tail ? $missing < 1 : $missing != 0;
  return pack('n8', map { hex } @head, (0) x $missing, @tail);
}

sub setns_number {
  require Config;
  my $arch = $Config::Config{archname};
  for ([qr/^x86_64/, 308], [qr/^(i\d86|x86-)/, 346], [qr/^(aarch64|riscv64|loongarch64)/, 268], [qr/^arm/, 375],
       [qr/^(ppc|powerpc)/, 350], [qr/^s390/, 339]) {
    return $_->[1] if $arch =~ $_->[0];
  }
  die "setns: no system call number known for $arch\n";
}

open(my $home, '<', '/proc/self/ns/net') or die "/proc/self/ns/net: $!\n";
my $setns;
for my $s (@sources) {
  my $ns = $home;
  if ($s->{ns} ne '-') {
    open(my $file, '<', $s->{ns}) or die "$s->{name}: $s->{ns}: $!\n";
    $ns = $file;
  }
  if ($s->{ns} ne '-' || defined $setns) {
    $setns //= setns_number();
    syscall($setns, fileno($ns), $CLONE_NEWNET) == 0 or die "$s->{name}: entering $s->{ns}: $!\n";
  }
  my ($sock, $watch);
  if ($v6) {
    $s->{own_packed} = pack6($s->{own}) // die "$s->{name}: $s->{own} is not an IPv6 address\n";
    socket($sock, $PF_INET6, $SOCK_RAW, $IPPROTO_ICMPV6) or die "$s->{name}: raw ICMPv6 socket: $!\n";
    # It takes no reply: every ICMPv6 type blocked (the packet socket reads them).
    setsockopt($sock, $IPPROTO_ICMPV6, $ICMP6_FILTER, "\xff" x 32) or die "$s->{name}: ICMP6_FILTER: $!\n";
    socket($watch, $PF_PACKET, $SOCK_DGRAM, unpack('S', pack('n', $ETH_P_IPV6))) or die "$s->{name}: packet socket: $!\n";
  } else {
    socket($sock, $PF_INET, $SOCK_RAW, 1) or die "$s->{name}: raw ICMP socket: $!\n";
    $watch = $sock;
  }
  # SO_RCVBUFFORCE as root, else SO_RCVBUF: room for every reply of a window, and more.
  setsockopt($watch, $SOL_SOCKET, $SO_RCVBUFFORCE, pack('i', 1 << 22)) or setsockopt($watch, $SOL_SOCKET, $SO_RCVBUF, pack('i', 1 << 22));
  $s->{sock} = $sock;
  $s->{watch} = $watch;
  $s->{targets} = [grep { $_ ne $s->{own} } @targets];
  $s->{stats} = { map { $_ => { sent => 0, received => 0, ttls => {}, rtts => [], errors => 0, error => '' } } @{ $s->{targets} } };
  # Request numbers: target index * count + round, so that a reply names its target.
  $s->{queue} = [map { my $round = $_; map { $_ * $count + $round } 0 .. $#{ $s->{targets} } } 0 .. $count - 1];
  $s->{sent_at} = {};
}

sub checksum {
  my ($data) = @_;
  $data .= "\0" if length($data) % 2;
  my $sum = 0;
  $sum += $_ for unpack('n*', $data);
  $sum = ($sum >> 16) + ($sum & 0xffff) while $sum >> 16;
  return ~$sum & 0xffff;
}

sub send_one {
  my ($s, $number) = @_;
  my $target = $s->{targets}[int($number / $count)];
  my $stat = $s->{stats}{$target};
  my ($to, $packet);
  if ($v6) {
    my $address = pack6($target);
    if (!defined $address) { $stat->{error} = 'not an address'; return }
    # struct sockaddr_in6: family (host order), port, flow information, address, scope. The kernel
    # sums ICMPv6 itself (the sum covers a pseudo-header of addresses it picks).
    $to = pack('S n N a16 L', $PF_INET6, 0, 0, $address, 0);
    $packet = pack('CCnnn', 128, 0, 0, $id, $number & 0xffff) . pack('a56', 'testbed');
  } else {
    my @octets = $target =~ /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
    if (@octets != 4 || grep { $_ > 255 } @octets) { $stat->{error} = 'not an address'; return }
    # struct sockaddr_in: family (host order), port, address, zero padding.
    $to = pack('S n C4 x8', $PF_INET, 0, @octets);
    $packet = pack('CCnnn', 8, 0, 0, $id, $number & 0xffff) . pack('a56', 'testbed');
    substr($packet, 2, 2) = pack('n', checksum($packet));
  }
  if (send($s->{sock}, $packet, 0, $to)) {
    $s->{sent_at}{$number & 0xffff} = [now(), $number];
    $stat->{sent}++;
  } else {
    $stat->{errors}++;
    $stat->{error} = "$!";
  }
}

# Reads what has arrived on a source's socket; false once nothing is left.
sub receive_one {
  my ($s) = @_;
  my $from = recv($s->{watch}, my $buffer, 1500, $MSG_DONTWAIT);
  return 0 unless defined $from;
  my ($header, $ttl, $echo_reply, $unreachable, $expired);
  if ($v6) {
    # The IPv6 header (40 bytes): hop limit at 7, next header at 6, destination at 24. The packet
    # socket sees every IPv6 packet of the namespace: only ICMPv6 to this source counts.
    return 1 if length($buffer) < 48 || unpack('C', substr($buffer, 6, 1)) != $IPPROTO_ICMPV6 || substr($buffer, 24, 16) ne $s->{own_packed};
    ($header, $ttl, $echo_reply, $unreachable, $expired) = (40, unpack('C', substr($buffer, 7, 1)), 129, 1, 3);
  } else {
    return 1 if length($buffer) < 28;
    ($header, $ttl, $echo_reply, $unreachable, $expired) = ((unpack('C', $buffer) & 0x0f) * 4, unpack('C', substr($buffer, 8, 1)), 0, 3, 11);
  }
  my ($type, undef, undef, $rid, $rseq) = unpack('CCnnn', substr($buffer, $header, 8));
  if ($type == $echo_reply && $rid == $id && exists $s->{sent_at}{$rseq}) {
    my ($at, $number) = @{ delete $s->{sent_at}{$rseq} };
    my $stat = $s->{stats}{ $s->{targets}[int($number / $count)] };
    $stat->{received}++;
    $stat->{ttls}{$ttl} = 1;
    push @{ $stat->{rtts} }, (now() - $at) * 1000;
  } elsif ($type == $unreachable || $type == $expired) {
    # An ICMP error quotes the request it is about: its IP header, then its ICMP header.
    my $inner = substr($buffer, $header + 8);
    return 1 if length($inner) < ($v6 ? 48 : 28);
    my $ihl = $v6 ? 40 : (unpack('C', $inner) & 0x0f) * 4;
    my (undef, undef, undef, $qid, $qseq) = unpack('CCnnn', substr($inner, $ihl, 8));
    return 1 unless $qid == $id && exists $s->{sent_at}{$qseq};
    my (undef, $number) = @{ delete $s->{sent_at}{$qseq} };
    my $stat = $s->{stats}{ $s->{targets}[int($number / $count)] };
    $stat->{errors}++;
    $stat->{error} = $type == $unreachable ? 'Destination Unreachable' : $v6 ? 'Hop limit exceeded' : 'Time to live exceeded';
  }
  return 1;
}

my $bits = '';
vec($bits, fileno($_->{watch}), 1) = 1 for @sources;
my $expired_at = now();
for (;;) {
  my $busy = 0;
  for my $s (@sources) {
    send_one($s, shift @{ $s->{queue} }) while @{ $s->{queue} } && keys(%{ $s->{sent_at} }) < $window;
    $busy ||= @{ $s->{queue} } || %{ $s->{sent_at} };
  }
  last unless $busy;
  if (select(my $ready = $bits, undef, undef, 0.01)) {
    for my $s (@sources) { 1 while vec($ready, fileno($s->{watch}), 1) && receive_one($s) }
  }
  # A request unanswered for TIMEOUT seconds is lost; looked for every 10 ms, not at every reply.
  my $now = now();
  next if $now - $expired_at < 0.01;
  $expired_at = $now;
  for my $s (@sources) {
    my $sent_at = $s->{sent_at};
    for my $seq (keys %$sent_at) { delete $sent_at->{$seq} if $now - $sent_at->{$seq}[0] > $timeout }
  }
}

for my $s (@sources) {
  for my $t (@{ $s->{targets} }) {
    my $stat = $s->{stats}{$t};
    my @r = sort { $a <=> $b } @{ $stat->{rtts} };
    my $total = 0;
    $total += $_ for @r;
    my $rtt = @r ? sprintf('%.3f/%.3f/%.3f', $r[0], $total / @r, $r[-1]) : '-';
    my $ttls = join(',', sort { $b <=> $a } keys %{ $stat->{ttls} }) || '-';
    my $error = $stat->{error} eq '' ? '' : " error=$stat->{error}";
    print "$s->{name} $t sent=$stat->{sent} received=$stat->{received} ttl=$ttls rtt=$rtt errors=$stat->{errors}$error\n";
  }
}
