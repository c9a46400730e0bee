#!/usr/bin/python3
"""Writes the checked-in sample traces of traces/ (run from the repo root).

rmsnorm_128x2048_bf16.json  y = x * rsqrt(mean(x^2) + eps) * w over a [128, 2048] bf16 tensor;
                            w is broadcast to 128 partitions on the tensor engine (ones^T @ w).
matmul_256x384x512_bf16.json  c[256, 512] = aT[384, 256]^T @ b[384, 512], bf16 in, fp32 out,
                            128x128 stationary tiles, PSUM accumulation over K.
"""
import json
import os


def trace(name, tensors, tiles, instructions):
    return {"format": "trnsim-trace", "version": 1, "name": name, "tensors": tensors,
            "tiles": tiles, "instructions": instructions}


def rmsnorm(p=128, d=2048, eps=1e-6):
    chunks = d // 512
    ins = [
        {"op": "dma_copy", "dst": "xt", "src": "x", "label": "load x"},
        {"op": "dma_copy", "dst": "wt", "src": "w", "label": "load w"},
        {"op": "memset", "dst": "ones", "value": 1.0, "engine": "gpsimd"},
        {"op": "activation", "dst": "sq", "src": "xt", "func": "square", "reduce_dst": "ss",
         "label": "sum of squares"},
        {"op": "tensor_scalar", "dst": "rstd", "src": "ss", "op0": "multiply",
         "operand0": 1.0 / d, "op1": "add", "operand1": eps, "label": "mean + eps"},
        {"op": "activation", "dst": "rstd", "src": "rstd", "func": "rsqrt"},
    ]
    for c in range(chunks):
        f = f"{c * 512}:{(c + 1) * 512}"
        ins.append({"op": "nc_matmul", "dst": f"wb[:, {f}]", "stationary": "ones",
                    "moving": f"wt[:, {f}]", "label": f"broadcast w {c}"})
    ins += [
        {"op": "tensor_scalar", "dst": "yt", "src": "xt", "op0": "multiply", "operand0": "rstd",
         "label": "x * rstd"},
        {"op": "tensor_tensor", "dst": "yt", "src0": "yt", "src1": "wb", "alu_op": "multiply",
         "label": "* w"},
        {"op": "dma_copy", "dst": "y", "src": "yt", "label": "store y"},
    ]
    tensors = [
        {"name": "x", "shape": [p, d], "dtype": "bfloat16", "role": "input"},
        {"name": "w", "shape": [1, d], "dtype": "bfloat16", "role": "constant"},
        {"name": "y", "shape": [p, d], "dtype": "bfloat16", "role": "output"},
    ]
    tiles = [
        {"name": "xt", "memory": "sbuf", "partitions": p, "shape": [d], "dtype": "bfloat16"},
        {"name": "wt", "memory": "sbuf", "partitions": 1, "shape": [d], "dtype": "bfloat16"},
        {"name": "ones", "memory": "sbuf", "partitions": 1, "shape": [p], "dtype": "bfloat16"},
        {"name": "sq", "memory": "sbuf", "partitions": p, "shape": [d], "dtype": "float32"},
        {"name": "ss", "memory": "sbuf", "partitions": p, "shape": [1], "dtype": "float32"},
        {"name": "rstd", "memory": "sbuf", "partitions": p, "shape": [1], "dtype": "float32"},
        {"name": "wb", "memory": "psum", "partitions": p, "shape": [d], "dtype": "float32"},
        {"name": "yt", "memory": "sbuf", "partitions": p, "shape": [d], "dtype": "bfloat16"},
    ]
    return trace(f"rmsnorm_{p}x{d}_bf16", tensors, tiles, ins)


def matmul(m=256, k=384, n=512):
    ins = []
    tiles = [
        {"name": "a0", "memory": "sbuf", "partitions": 128, "shape": [128], "dtype": "bfloat16"},
        {"name": "a1", "memory": "sbuf", "partitions": 128, "shape": [128], "dtype": "bfloat16"},
        {"name": "b_all", "memory": "sbuf", "partitions": 128, "shape": [k // 128, n],
         "dtype": "bfloat16"},
        {"name": "acc", "memory": "psum", "partitions": 128, "shape": [n], "dtype": "float32"},
        {"name": "c_t", "memory": "sbuf", "partitions": 128, "shape": [n], "dtype": "float32"},
    ]
    for kt in range(k // 128):
        ins.append({"op": "dma_copy", "dst": f"b_all[:, {kt}, :]",
                    "src": f"b[{kt * 128}:{(kt + 1) * 128}, :]", "label": f"load b k{kt}"})
    for mt in range(m // 128):
        for kt in range(k // 128):
            a = f"a{kt % 2}"
            ins.append({"op": "dma_copy", "dst": a,
                        "src": f"aT[{kt * 128}:{(kt + 1) * 128}, {mt * 128}:{(mt + 1) * 128}]",
                        "label": f"load aT m{mt} k{kt}"})
            ins.append({"op": "nc_matmul", "dst": "acc", "stationary": a,
                        "moving": f"b_all[:, {kt}, :]", "accumulate": kt > 0,
                        "label": f"m{mt} k{kt}"})
        ins.append({"op": "tensor_copy", "dst": "c_t", "src": "acc", "label": f"evict m{mt}"})
        ins.append({"op": "dma_copy", "dst": f"c[{mt * 128}:{(mt + 1) * 128}, :]", "src": "c_t",
                    "label": f"store c m{mt}"})
    tensors = [
        {"name": "aT", "shape": [k, m], "dtype": "bfloat16", "role": "input"},
        {"name": "b", "shape": [k, n], "dtype": "bfloat16", "role": "input"},
        {"name": "c", "shape": [m, n], "dtype": "float32", "role": "output"},
    ]
    return trace(f"matmul_{m}x{k}x{n}_bf16", tensors, tiles, ins)


def main():
    os.makedirs("traces", exist_ok=True)
    for t in (rmsnorm(), matmul()):
        with open(os.path.join("traces", t["name"] + ".json"), "w") as f:
            json.dump(t, f, indent=1)
            f.write("\n")
        print("wrote traces/" + t["name"] + ".json")


if __name__ == "__main__":
    main()
