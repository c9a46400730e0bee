"""numpy reference of matmul_variants.py: out = lhsT.T @ rhs (float64 inputs)."""


def forward(lhsT, rhs):
    return lhsT.T @ rhs
