#!/usr/bin/perl
# resp.pl: Redis helpers for scripts/bench/streams (no modules beyond core perl).
#
#   resp.pl gen KEY < lines > file      one "XADD KEY * d <line>" RESP command
#                                       per input line (newline dropped), for
#                                       redis-cli --pipe
#   resp.pl xrange PORT KEY [COUNT]     read the whole stream back with
#                                       XRANGE KEY - + COUNT n, paging with an
#                                       exclusive start "(lastid"; prints
#                                       "<entries> <seconds>" on stdout
#
# The XRANGE client does not parse entries one by one (that would measure
# perl, not Redis): each page is sent together with an ECHO of a marker, the
# socket is read until the buffer ends with the marker's reply, the entry
# count comes from the reply's array header and the next start from the last
# entry's id. Values are the benchmark's hex lines, so they never contain the
# marker or CR/LF.
use strict;
use warnings;
use IO::Socket::INET;
use Time::HiRes qw(time);

my $cmd = shift // die "usage: resp.pl gen KEY | xrange PORT KEY [COUNT]\n";

sub resp {
	my $s = '*' . scalar(@_) . "\r\n";
	$s .= '$' . length($_) . "\r\n$_\r\n" for @_;
	return $s;
}

if ($cmd eq 'gen') {
	my $key = shift // die "resp.pl gen: KEY missing\n";
	my $head = "*5\r\n\$4\r\nXADD\r\n\$" . length($key) . "\r\n$key\r\n"
	    . "\$1\r\n*\r\n\$1\r\nd\r\n";
	binmode STDIN;
	binmode STDOUT;
	my $out = '';
	while (my $l = <STDIN>) {
		chomp $l;
		$out .= $head . '$' . length($l) . "\r\n$l\r\n";
		if (length($out) >= 1 << 20) {
			print $out or die "resp.pl: write: $!\n";
			$out = '';
		}
	}
	print $out or die "resp.pl: write: $!\n";
	close STDOUT or die "resp.pl: write: $!\n";
	exit 0;
}

die "resp.pl: unknown command '$cmd'\n" unless $cmd eq 'xrange';
my ($port, $key, $count) = @ARGV;
die "usage: resp.pl xrange PORT KEY [COUNT]\n" unless defined $key;
$count ||= 10000;
my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
				 Proto => 'tcp')
    or die "resp.pl: connect 127.0.0.1:$port: $!\n";
binmode $sock;
my $marker = '__kin_bench_page_end__';
my $tail = '$' . length($marker) . "\r\n$marker\r\n";
my $tlen = length($tail);
my ($total, $start) = (0, '-');
my $t0 = time;
for (;;) {
	my $req = resp('XRANGE', $key, $start, '+', 'COUNT', $count) . resp('ECHO', $marker);
	print {$sock} $req or die "resp.pl: send: $!\n";
	$sock->flush;
	my $buf = '';
	until (length($buf) >= $tlen && substr($buf, -$tlen) eq $tail) {
		my $n = sysread($sock, $buf, 1 << 20, length($buf));
		die "resp.pl: read: ", (defined $n ? 'connection closed' : $!), "\n"
		    unless $n;
	}
	$buf =~ /\A\*(\d+)\r\n/ or die "resp.pl: unexpected reply: " . substr($buf, 0, 80) . "\n";
	my $n = $1;
	last if $n == 0;
	$total += $n;
	# The last entry: *2 $len id *2 $1 d $len value, then the ECHO reply.
	my $end = substr($buf, -($tlen + 1024));
	$end =~ /\$\d+\r\n(\d+-\d+)\r\n\*2\r\n\$\d+\r\n[^\r]*\r\n\$\d+\r\n[^\r]*\r\n\Q$tail\E\z/
	    or die "resp.pl: cannot find the last id of a page\n";
	$start = "($1";
	last if $n < $count;
}
printf "%d %.6f\n", $total, time - $t0;
