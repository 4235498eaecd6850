#!/usr/bin/perl
# latency.pl: kput -> kget -f latency of a single record on an idle stream.
#
#   latency.pl KIN_BIN STREAM SYNC ITERATIONS
#
# Starts `kget -s STREAM -f --from latest -F '%d\n'` (reading its stdout) and
# `kput -s STREAM -k k --sync SYNC` (its stdin kept open), waits until the
# follower sees a record written after it started, then ITERATIONS times:
# takes a time stamp, writes "i\n" to kput, blocks until kget prints "i",
# records the elapsed time, sleeps 2 ms. Prints one line:
#   min p50 p90 p99 p99.9 max     (microseconds, nearest-rank percentiles)
# The stream must exist; KIN_DIR says where.
use strict;
use warnings;
use IO::Handle;
use IO::Select;
use POSIX qw(ceil);
use Time::HiRes qw(time sleep);

my ($bin, $stream, $sync, $iters) = @ARGV;
die "usage: latency.pl KIN_BIN STREAM SYNC ITERATIONS\n" unless defined $iters;

my ($kget_pid, $kput_pid);
END {
	# Both children are ours: end them by pid (keeping our exit status).
	local $?;
	kill 'TERM', $kget_pid if $kget_pid;
	kill 'TERM', $kput_pid if $kput_pid;
	waitpid($_, 0) for grep { $_ } $kget_pid, $kput_pid;
}
$SIG{PIPE} = 'IGNORE';
$SIG{INT} = $SIG{TERM} = sub { exit 1 };

$kget_pid = open(my $kg, '-|', "$bin/kget", '-s', $stream, '-f', '--from', 'latest',
		 '-F', '%d\n') or die "latency.pl: kget: $!\n";
$kput_pid = open(my $kp, '|-', "$bin/kput", '-s', $stream, '-k', 'k', '--sync', $sync)
    or die "latency.pl: kput: $!\n";
$kp->autoflush(1);
my $sel = IO::Select->new($kg);
my $buf = '';

# Next line from kget, or undef after $timeout seconds.
sub next_line {
	my ($timeout) = @_;
	my $deadline = time + $timeout;
	for (;;) {
		my $i = index($buf, "\n");
		if ($i >= 0) {
			my $l = substr($buf, 0, $i);
			substr($buf, 0, $i + 1) = '';
			return $l;
		}
		my $left = $deadline - time;
		return undef if $left <= 0;
		next unless $sel->can_read($left);
		my $n = sysread($kg, $buf, 65536, length($buf));
		die "latency.pl: kget ended\n" unless $n;
	}
}

# Warm up: kget resolves "latest" when it opens the shard, some time after
# it starts; send probes until one arrives, then a marker to drain the rest.
my $seen;
for my $p (1 .. 50) {
	print {$kp} "warm$p\n";
	last if defined($seen = next_line(0.2));
}
die "latency.pl: kget -f never saw a record\n" unless defined $seen;
print {$kp} "ready\n";
while (defined(my $l = next_line(10))) {
	last if $l eq 'ready';
}
# A few untimed round trips so both processes are in their steady loop.
for my $i (1 .. 10) {
	print {$kp} "w$i\n";
	1 while (next_line(10) // die "latency.pl: timeout\n") ne "w$i";
	sleep 0.002;
}

my @us;
for my $i (1 .. $iters) {
	my $t0 = time;
	print {$kp} "$i\n";
	for (;;) {
		my $l = next_line(30) // die "latency.pl: record $i did not come back\n";
		last if $l eq $i;
	}
	push @us, (time - $t0) * 1e6;
	sleep 0.002;
}
close $kp;
waitpid($kput_pid, 0);
$kput_pid = 0;

@us = sort { $a <=> $b } @us;
my $q = sub { $us[ceil($_[0] * @us) - 1] };
printf "%.0f %.0f %.0f %.0f %.0f %.0f\n", $us[0], $q->(0.5), $q->(0.9), $q->(0.99),
    $q->(0.999), $us[-1];
