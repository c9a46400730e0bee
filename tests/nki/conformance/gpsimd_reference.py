"""numpy references of the GpSimd gather and segment instructions, written from the NKI
reference's descriptions (helpers of cases_gpsimd_old.py / cases_gpsimd_new.py)."""
import numpy as np


def bf16(x):
    """x rounded to bfloat16 (nearest even), as float32."""
    bits = np.asarray(x, np.float32).view(np.uint32)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000).view(np.float32)


def local_gather(src, index, k, valid):
    """(P, valid, k): each core's 16 partitions gather groups of k elements of their own
    flattened free data at the core's indices, index[16c:16c+16] flattened partition first."""
    p = src.shape[0]
    flat = src.reshape(p, -1, k)
    out = np.empty((p, valid, k), dtype=src.dtype)
    for c in range(p // 16):
        rows = slice(16 * c, 16 * c + 16)
        idx = np.asarray(index[rows]).flatten(order="F")[:valid].astype(np.int64)
        out[rows] = flat[rows][:, idx, :]
    return out


def packed_segment_ids(rng, n):
    """(1, n) float32 ids of packed sequences: runs of ids 1, 2, ... with padding (0) between
    some runs and at the end."""
    ids, seg = [], 1
    while len(ids) < n - 8:
        ids += [seg] * int(rng.integers(1, 40))
        if rng.integers(0, 3) == 0:
            ids += [0] * int(rng.integers(1, 5))
        seg += 1
    ids = (ids + [0] * n)[:n]
    return np.array([ids], dtype=np.float32)


def sequence_bounds(ids):
    """(1, 2, n) float64: start and exclusive end of each element's run, padding n and -1."""
    row = np.asarray(ids, np.float64)[0]
    n = len(row)
    start, end = np.empty(n), np.empty(n)
    for i in range(n):
        if row[i] == 0:
            start[i], end[i] = n, -1
            continue
        s, e = i, i + 1
        while s > 0 and row[s - 1] == row[i]:
            s -= 1
        while e < n and row[e] == row[i]:
            e += 1
        start[i], end[i] = s, e
    return np.stack([start, end])[None]
