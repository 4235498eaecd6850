#!/usr/bin/env python3
"""mkvchunks.py FILE: prints the level-1 layout of a GetMedia stream (one or
more chunks, each an EBML header and a Segment), one element a line:

    EBML
    Segment size=unknown
    Info
    Tracks
    Tags AWS_KINESISVIDEO_FRAGMENT_NUMBER=... NAME=VALUE...
    Cluster timecode=1700000000000 blocks=75
    Tags AWS_KINESISVIDEO_MILLIS_BEHIND_NOW=... ...

An element running past the end of the file is an error (exit 1)."""
import sys

NAMES = {
    0x1A45DFA3: "EBML", 0x18538067: "Segment", 0x114D9B74: "SeekHead",
    0x1549A966: "Info", 0x1654AE6B: "Tracks", 0x1254C367: "Tags",
    0x1F43B675: "Cluster", 0x1C53BB6B: "Cues", 0xEC: "Void",
}


def vint(b, i, keep_marker):
    first = b[i]
    n = 1
    while n <= 8 and not first & (0x80 >> (n - 1)):
        n += 1
    if n > 8:
        raise ValueError("bad EBML number at %d" % i)
    v = first if keep_marker else first & (0xFF >> n)
    for k in range(1, n):
        v = v << 8 | b[i + k]
    unknown = not keep_marker and v == (1 << (7 * n)) - 1
    return v, n, unknown


def header(b, i):
    eid, n1, _ = vint(b, i, True)
    size, n2, unknown = vint(b, i + n1, False)
    return eid, i + n1 + n2, None if unknown else size


def children(b, start, end):
    i = start
    while i < end:
        eid, data, size = header(b, i)
        if size is None or data + size > end:
            raise ValueError("element 0x%X at %d runs past its parent" % (eid, i))
        yield eid, data, size
        i = data + size


def tags(b, data, size):
    out = []
    for tid, td, ts in children(b, data, data + size):          # Tag
        for sid, sd, ss in children(b, td, td + ts):             # SimpleTag
            if sid != 0x67C8:
                continue
            name = value = ""
            for kid, kd, ks in children(b, sd, sd + ss):
                if kid == 0x45A3:
                    name = b[kd:kd + ks].decode()
                elif kid == 0x4487:
                    value = b[kd:kd + ks].decode()
            out.append("%s=%s" % (name, value))
    return out


def cluster(b, data, size):
    tc, blocks = None, 0
    for cid, cd, cs in children(b, data, data + size):
        if cid == 0xE7:
            tc = int.from_bytes(b[cd:cd + cs], "big")
        elif cid in (0xA3, 0xA0):
            blocks += 1
    return "timecode=%s blocks=%d" % (tc, blocks)


def main():
    b = open(sys.argv[1], "rb").read()
    i = 0
    while i < len(b):
        eid, data, size = header(b, i)
        name = NAMES.get(eid, "0x%X" % eid)
        if eid == 0x18538067:
            print("Segment size=%s" % ("unknown" if size is None else size))
            i = data
            continue
        if size is None or data + size > len(b):
            print("%s at %d runs past the end" % (name, i))
            sys.exit(1)
        if eid == 0x1254C367:
            print(" ".join(["Tags"] + tags(b, data, size)))
        elif eid == 0x1F43B675:
            print("Cluster " + cluster(b, data, size))
        else:
            print(name)
        i = data + size


main()
