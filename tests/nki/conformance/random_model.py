"""The numpy (int64) model of trnsim's random number generator, which
kernels/nki/trnsim_nki/rng.py documents and lowers to table instructions; the hardware's XORWOW
bits are not reproduced. It multiplies directly (x * C mod 2^23), not through the 12/11-bit
halves the kernels use, so a lowering mistake shows as a mismatch."""
import numpy as np

MASK = (1 << 23) - 1
RNG = np.random.default_rng(43)


def hash23(x):
    x = np.asarray(x, np.int64)
    x ^= x >> 12
    x = (x * 0x5A3E2B) & MASK
    x ^= x >> 11
    x = (x * 0x2C1B4D) & MASK
    return x ^ (x >> 12)


class Model:
    """The generator of one engine: per-lane counter and key."""

    def __init__(self, seed=0):
        self.seed(seed)

    def seed(self, s):
        self.c = np.zeros(128, np.int64)
        self.k = hash23((int(s) & MASK) ^ (np.arange(128, dtype=np.int64) << 16))

    def bits(self, shape):
        parts, n = shape[0], int(np.prod(shape[1:]))
        j = np.arange(n, dtype=np.int64)
        x = hash23(((self.c[:parts, None] + j) & MASK) ^ self.k[:parts, None])
        self.c = (self.c + n) & MASK
        return x.reshape(shape)

    def uniform(self, shape):
        return self.bits(shape) * 2.0 ** -23
