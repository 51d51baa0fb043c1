"""Time one model in one framework, in its own process, and print a JSON line.

``python -m benchmarks.worker --framework glassnet --model seed_cnn --mode train``

Run by ``benchmarks.run``; a process per measurement gives each framework a
clean peak-memory figure (``ru_maxrss``) and its own thread settings. The
memory baseline (``rss_before_model_mb``) is taken after the framework is
imported, so the peak-minus-baseline figure is the model's, its batches' and
its step's memory, not the library's.

``--framework glassnet-dp`` wraps the model in ``glassnet.nn.DataParallel`` with
``--threads`` slices (and splits the optimizer's update over as many threads).

``--framework onnxruntime`` (inference only) exports glassnet's model (same seed,
hence the same weights) to ONNX and times ``InferenceSession.run`` with
``--threads`` intra-op threads: the runtime a user deploys glassnet's export with.

``--device cuda`` runs on a GPU (glassnet through CuPy, PyTorch through CUDA):
model and batches live on the GPU, and every timed step is bracketed by a
device synchronisation, so the time is the GPU's work, not the launch queue's.
``benchmarks/gpu_check.sh`` uses it.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import numpy as np

from .models import batches, build_glassnet, build_torch


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def run_glassnet(args: argparse.Namespace) -> list[float]:
    import glassnet as gn
    import glassnet.functional as F
    from glassnet import optim

    dev = args.device
    sync = gn.backend.synchronize
    gn.manual_seed(0)
    model = build_glassnet(args.model, args.width).to(dev)
    if args.framework == "glassnet-dp":
        # the batch sliced over the threads, BLAS on one thread per slice, and the
        # optimizer's update split over the same threads (see glassnet.nn.DataParallel)
        gn.set_num_threads(args.threads)
        model = gn.nn.DataParallel(model, threads=args.threads)
    data = [
        (gn.tensor(x).to(dev), gn.tensor(y).to(dev)) for x, y in batches(args.model, args.batch)
    ]
    times = []
    if args.mode == "train":
        model.train()
        opt = optim.Adam(model.parameters(), lr=1e-3)
        for i in range(args.warmup + args.steps):
            x, y = data[i % len(data)]
            sync()
            t = time.perf_counter()
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            sync()
            times.append(time.perf_counter() - t)
    else:
        model.eval()
        with gn.no_grad():
            for i in range(args.warmup + args.steps):
                x, _ = data[i % len(data)]
                sync()
                t = time.perf_counter()
                model(x)
                sync()
                times.append(time.perf_counter() - t)
    return times[args.warmup :]


def _glassnet_gpu_mb() -> float:
    import glassnet as gn

    cp = gn.backend.cupy_if_loaded()
    return cp.get_default_memory_pool().total_bytes() / 2**20 if cp is not None else 0.0


def run_onnxruntime(args: argparse.Namespace) -> list[float]:
    import os
    import tempfile

    import onnxruntime as ort

    import glassnet as gn
    from glassnet.io.onnx_export import export_onnx

    if args.mode != "infer" or args.device != "cpu":
        raise SystemExit("--framework onnxruntime: inference on the CPU only")
    gn.manual_seed(0)
    model = build_glassnet(args.model, args.width).eval()
    data = [x for x, _ in batches(args.model, args.batch)]
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = args.threads
    opts.inter_op_num_threads = 1
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        export_onnx(model, gn.tensor(data[0]), path)
        sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    times = []
    for i in range(args.warmup + args.steps):
        x = data[i % len(data)]
        t = time.perf_counter()
        sess.run(None, {name: x})
        times.append(time.perf_counter() - t)
    return times[args.warmup :]


def run_torch(args: argparse.Namespace) -> list[float]:
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    dev = torch.device(args.device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda: this PyTorch build sees no CUDA GPU")
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    model = build_torch(args.model, args.width).to(dev)
    data = [
        (torch.from_numpy(x).to(dev), torch.from_numpy(y).to(dev))
        for x, y in batches(args.model, args.batch)
    ]
    times = []
    if args.mode == "train":
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()
        for i in range(args.warmup + args.steps):
            x, y = data[i % len(data)]
            sync()
            t = time.perf_counter()
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            sync()
            times.append(time.perf_counter() - t)
    else:
        model.eval()
        with torch.inference_mode():
            for i in range(args.warmup + args.steps):
                x, _ = data[i % len(data)]
                sync()
                t = time.perf_counter()
                model(x)
                sync()
                times.append(time.perf_counter() - t)
    return times[args.warmup :]


def _import_glassnet() -> None:
    """glassnet and, on the kernel path, numba, the kernel modules and numba's code
    generator: imports, like PyTorch's, are not the model's memory (numba is otherwise
    imported and started on the first kernel call, inside the measured part)."""
    from glassnet import kernels

    if kernels.enabled():
        for name in kernels.KERNEL_MODULES:
            kernels.load(name)
        # numba's code generator (LLVM) starts on the first compiled call and stays: the
        # library's memory, like PyTorch's import. One tiny call starts it here.
        kernels.load("pool").relu_max_pool_2x2(np.zeros((1, 2, 2, 1), np.float32),
                                               np.zeros((1, 1, 1, 1), np.float32))  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument(
        "--framework", choices=("glassnet", "glassnet-dp", "torch", "onnxruntime"), required=True
    )
    p.add_argument("--model", required=True)
    p.add_argument("--mode", choices=("train", "infer"), default="train")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--width", type=int, default=1)
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    args = p.parse_args(argv)
    # the baseline is taken after importing the framework, so peak memory is the model's,
    # its data and its step's, not the library's (PyTorch's import alone is ~200 MB)
    if args.framework.startswith("glassnet"):
        _import_glassnet()
    elif args.framework == "onnxruntime":
        import onnxruntime  # noqa: F401

        _import_glassnet()  # it builds and exports the model
    else:
        import torch  # noqa: F401
    base = _current_rss_mb()
    run = {"torch": run_torch, "onnxruntime": run_onnxruntime}.get(args.framework, run_glassnet)
    times = run(args)
    med = float(np.median(times))
    out = {
        "framework": args.framework,
        "model": args.model,
        "mode": args.mode,
        "batch": args.batch,
        "width": args.width,
        "threads": args.threads,
        "median_s": med,
        "q1_s": float(np.percentile(times, 25)),
        "q3_s": float(np.percentile(times, 75)),
        "samples_per_s": args.batch / med,
        "peak_rss_mb": _rss_mb(),
        "rss_before_model_mb": base,
        "device": args.device,
    }
    if args.device != "cpu":
        if args.framework == "glassnet":
            out["gpu_pool_mb"] = _glassnet_gpu_mb()
        else:
            import torch

            out["gpu_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    if args.framework.startswith("glassnet"):
        from .machine import blas_summary

        out["blas"] = blas_summary()
    print(json.dumps(out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
