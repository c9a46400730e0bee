"""Kernel source shared by the compiler tests (loaded with nki_test_util.load_source)."""

TOO_BIG = '''
def too_big(x):
    """8 tiles of 32 KiB per partition live at once: 256 KiB, more than any SBUF."""
    out = nl.ndarray((128, 8192), dtype=x.dtype, buffer=nl.shared_hbm)
    tiles = []
    for i in nl.affine_range(8):
        tiles.append(nl.load(x[i * 128:(i + 1) * 128, :]))
    acc = nl.copy(tiles[0])
    for i in nl.affine_range(1, 8):
        acc = nl.add(acc, tiles[i])
    nl.store(out, value=acc)
    return out
'''
