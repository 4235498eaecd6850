#!/usr/bin/perl
# fsync.pl FILE N: the disk's own latency, the baseline for kput --sync
# always: N times, append 100 bytes to FILE and fsync it (fdatasync where
# perl's IO::Handle->sync maps to fsync(2)); prints min p50 p90 p99 p99.9 max
# in microseconds.
use strict;
use warnings;
use IO::Handle;
use POSIX qw(ceil);
use Time::HiRes qw(time sleep);

my ($file, $iters) = @ARGV;
open(my $fh, '>>', $file) or die "fsync.pl: $file: $!\n";
$fh->autoflush(1);
my $rec = ('x' x 99) . "\n";
my @us;
for (1 .. $iters) {
	my $t0 = time;
	print {$fh} $rec or die "fsync.pl: write: $!\n";
	$fh->sync or die "fsync.pl: fsync: $!\n";
	push @us, (time - $t0) * 1e6;
	sleep 0.002;
}
close $fh;
@us = sort { $a <=> $b } @us;
my $q = sub { $us[ceil($_[0] * @us) - 1] };
printf "%.0f %.0f %.0f %.0f %.0f %.0f\n", $us[0], $q->(0.5), $q->(0.9), $q->(0.99),
    $q->(0.999), $us[-1];
