"""What bounds glassnet's inference against onnxruntime: the seed CNN's two big layers alone.

``python -m benchmarks.onnxruntime_floor [--threads 2] [--repeat 30]``

For the seed CNN's fully connected layer ``(128, 3136) @ (3136, 1024)`` and its second
convolution (32 -> 64 channels, 3x3, padding 1, on 128 images of 14x14) this times, in one
process and with the same threads:

- onnxruntime running a one-node ONNX graph (``MatMul``, ``Conv``);
- NumPy's matrix product of the same shape (for the convolution: the product of its
  im2col columns ``(25088, 288) @ (288, 64)``, which glassnet's convolution computes);
- glassnet's own layer (``F.linear``; ``nn.Conv2d`` without bias under ``no_grad``).

Where onnxruntime's whole layer takes less time than NumPy's product alone, no change in
glassnet's code around the product can close the gap; only a faster product could.
Needs onnx and onnxruntime (the ``onnx`` extra).
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import numpy as np

from ._report import median_ms


def _session(node: Any, x_shape: tuple, y_shape: tuple, weight: np.ndarray, threads: int) -> Any:
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [node], "layer",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(y_shape))],
        [numpy_helper.from_array(weight, "w")],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), opts,
                                providers=["CPUExecutionProvider"])  # fmt: skip


def measure(threads: int, repeat: int) -> list[tuple[str, float, float, float, float]]:
    """Rows ``(layer, GFLOP, onnxruntime ms, NumPy product ms, glassnet ms)``."""
    from onnx import helper

    import glassnet as gn
    import glassnet.functional as F
    from glassnet import nn

    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 3136)).astype(np.float32)
    w = rng.standard_normal((3136, 1024)).astype(np.float32)
    sess = _session(helper.make_node("MatMul", ["x", "w"], ["y"]), x.shape, (128, 1024), w,
                    threads)  # fmt: skip
    wt, xt = gn.tensor(np.ascontiguousarray(w.T)), gn.tensor(x)
    fc = (
        "linear 3136 -> 1024, batch 128", 2 * 128 * 3136 * 1024 / 1e9,
        median_ms(lambda: sess.run(None, {"x": x}), repeat),
        median_ms(lambda: x @ w, repeat),
        median_ms(lambda: F.linear(xt, wt), repeat),
    )  # fmt: skip
    xc = rng.standard_normal((128, 32, 14, 14)).astype(np.float32)
    wc = rng.standard_normal((64, 32, 3, 3)).astype(np.float32)
    sess = _session(helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1]), xc.shape,
                    (128, 64, 14, 14), wc, threads)  # fmt: skip
    cols = rng.standard_normal((128 * 14 * 14, 288)).astype(np.float32)
    wk = rng.standard_normal((288, 64)).astype(np.float32)
    conv = nn.Conv2d(32, 64, 3, padding=1, bias=False)
    conv.weight.data = gn.tensor(wc)
    xct = gn.tensor(xc)

    def glassnet_conv() -> None:
        with gn.no_grad():
            conv(xct)

    cv = (
        "conv 32 -> 64, 3x3, 128 x 14x14", 2 * 128 * 196 * 288 * 64 / 1e9,
        median_ms(lambda: sess.run(None, {"x": xc}), repeat),
        median_ms(lambda: cols @ wk, repeat),
        median_ms(glassnet_conv, repeat),
    )  # fmt: skip
    return [fc, cv]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=30)
    args = p.parse_args(argv)
    if os.environ.get("OPENBLAS_NUM_THREADS") != str(args.threads):
        print(f"note: set OPENBLAS_NUM_THREADS={args.threads} before starting for NumPy's "
              "BLAS to use the same threads")  # fmt: skip
    print("| layer | GFLOP | onnxruntime ms (GFLOP/s) | NumPy product ms (GFLOP/s) | glassnet ms "
          "(GFLOP/s) |\n|---|---:|---:|---:|---:|")  # fmt: skip
    for name, gf, ort_ms, np_ms, gn_ms in measure(args.threads, args.repeat):
        print(f"| {name} | {gf:.2f} | {ort_ms:.2f} ({gf / ort_ms * 1e3:.0f}) | "
              f"{np_ms:.2f} ({gf / np_ms * 1e3:.0f}) | {gn_ms:.2f} ({gf / gn_ms * 1e3:.0f}) |")  # fmt: skip


if __name__ == "__main__":
    main()
