"""Python's own mmap module doing what bench/map.ts times, printing the JSON
lines bench/baselines.ts reads (nanoseconds per operation).

usage: mmap_baseline.py map-close PATH OPS SAMPLES WARMUP
       mmap_baseline.py random-read PATH READS SAMPLES WARMUP
"""

import json
import mmap
import os
import sys
import time

RECORD = 4096


def stats(ns):
    s = sorted(ns)

    def q(p):
        i = (len(s) - 1) * p
        lo = int(i)
        hi = min(lo + 1, len(s) - 1)
        return s[lo] + (s[hi] - s[lo]) * (i - lo)

    # Per-sample means, so no p99: that is for single operations.
    return {"median": q(0.5), "p25": q(0.25), "p75": q(0.75), "min": s[0], "max": s[-1], "samples": len(s)}


def report(name, ns, first):
    print(json.dumps({"contender": name, "stats": stats(ns), "first": first}), flush=True)


def map_close(path):
    with open(path, "rb") as f:
        m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    touched = m[0]
    m.close()
    return RECORD + (touched & 0)


def positions(size, reads):
    """The record positions bench/map.ts reads (the same xorshift)."""
    records = size // RECORD
    x = 0x9E3779B9
    out = []
    for _ in range(reads):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out.append((x % records) * RECORD)
    return out


def main():
    mode, path, ops, samples, warmup = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
    ns = []
    if mode == "map-close":
        first = map_close(path)
        for s in range(warmup + samples):
            start = time.perf_counter_ns()
            for _ in range(ops):
                map_close(path)
            if s >= warmup:
                ns.append((time.perf_counter_ns() - start) / ops)
        report("Python mmap + close", ns, first)
    elif mode == "random-read":
        with open(path, "rb") as f:
            m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        view = memoryview(m)
        record = bytearray(RECORD)
        where = positions(os.path.getsize(path), ops)
        first = None
        for s in range(warmup + samples):
            start = time.perf_counter_ns()
            for p in where:
                record[:] = view[p : p + RECORD]
                if first is None:
                    first = record[0] ^ record[RECORD - 1]
            if s >= warmup:
                ns.append((time.perf_counter_ns() - start) / ops)
        view.release()
        m.close()
        report("Python mmap, copy", ns, first)
    else:
        sys.exit(f"unknown mode {mode!r}: map-close or random-read")


main()
