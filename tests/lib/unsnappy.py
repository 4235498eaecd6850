# unsnappy.py FILE: writes the snappy framing-format stream FILE decoded to
# stdout, with python-snappy (Debian's /usr/bin/python3). Its C extension's
# CRC-32C breaks on Python 3.11 (SystemError: PY_SSIZE_T_CLEAN) in Debian
# 12's python3-snappy 0.5.3; then a table-driven CRC-32C stands in for it.
import sys, snappy, snappy.snappy as s
try:
    s._crc32c(b'a')
except SystemError:
    T = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        T.append(c)
    def crc32c(data):
        c = 0xffffffff
        for b in data:
            c = T[(c ^ b) & 0xff] ^ (c >> 8)
        return c ^ 0xffffffff
    assert crc32c(b'123456789') == 0xE3069283
    s._crc32c = crc32c
snappy.stream_decompress(open(sys.argv[1], 'rb'), sys.stdout.buffer)
