#!/usr/bin/env python3
"""The floor of a durable commit on this machine's disk: one append and fdatasync, as a WAL
does for each commit group (bench/notes.md, issue 13 step 17).

    python3 bench/sync_floor.py [DIR]   # DIR: on the disk to measure (default: the current one)

For each way of preparing the file — growing with each append and nothing reserved, space
reserved without changing its size (fallocate KEEP_SIZE: RocksDB's default for its WAL, which
gongkaid keeps), and its size set beforehand (a reused or preallocated log, as PostgreSQL's WAL
segments) — prints the median of 2,000 appends of 2,500 bytes each followed by fdatasync,
twice, alternating."""
import ctypes
import os
import statistics
import sys
import time

APPENDS, RECORD = 2000, 2500
FALLOC_FL_KEEP_SIZE = 1


def median_sync_us(directory, prepare):
    path = os.path.join(directory, f"sync_floor.{os.getpid()}.tmp")
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        size = APPENDS * RECORD + 4096
        if prepare == "size set":
            os.posix_fallocate(fd, 0, size)
        elif prepare == "reserved":
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            if libc.fallocate(fd, FALLOC_FL_KEEP_SIZE, ctypes.c_long(0), ctypes.c_long(size)):
                raise OSError(ctypes.get_errno(), "fallocate")
        os.fsync(fd)
        record, times = b"x" * RECORD, []
        for i in range(APPENDS):
            start = time.perf_counter()
            os.pwrite(fd, record, i * RECORD)
            os.fdatasync(fd)
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1e6
    finally:
        os.close(fd)
        os.remove(path)


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "."
    for _ in range(2):
        for prepare in ("grown", "reserved", "size set"):
            print(f"{prepare:>8}: {median_sync_us(directory, prepare):.0f} µs per append + fdatasync")


if __name__ == "__main__":
    main()
