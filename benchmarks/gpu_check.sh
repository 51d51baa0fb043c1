#!/usr/bin/env bash
# Check glassnet's GPU path on a machine with an NVIDIA GPU, in one go (about 3-8 minutes).
#
#   benchmarks/gpu_check.sh [--dry-run] [--steps N] [--warmup N] [--batch N] [--skip-tests]
#
# Stages (each one's failure is reported and the next still runs):
#   1. nvidia-smi and the Python stack (NumPy, PyTorch + CUDA, CuPy; CuPy is
#      pip-installed when missing, which needs a network)
#   2. glassnet on the GPU: one training step, the error messages, the version
#   3. the GPU half of the tests: pytest -m gpu (tests/test_devices.py and the
#      other gpu-marked tests)
#   4. training benchmarks on the same GPU: the seed CNN and LSTM + attention,
#      glassnet (CuPy) against PyTorch (CUDA), batch 128, median of N steps, each
#      timed step bracketed by a device synchronisation; one Markdown table
#
# Environment: PYTHON (default python3); OUT (a folder: the log, the table and the raw
# results are also written there); GPU_CHECK_TEST_TIMEOUT and GPU_CHECK_BENCH_TIMEOUT
# (seconds allowed to the test stage and to each benchmark; default 240 and 90). glassnet is used from this checkout (PYTHONPATH);
# nothing is installed into it.
#
# --dry-run exercises the script without a GPU: the tests run on the fake CuPy of
# tests/fakecupy/, glassnet is timed on the fake CuPy and PyTorch on the CPU (the
# numbers mean nothing; the plumbing is what is checked).

set -u

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
DRY=0
STEPS=20
WARMUP=5
BATCH=128
SKIP_TESTS=0
TEST_TIMEOUT="${GPU_CHECK_TEST_TIMEOUT:-240}"
BENCH_TIMEOUT="${GPU_CHECK_BENCH_TIMEOUT:-90}"

usage() { sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) DRY=1 ;;
        --steps) STEPS="$2"; shift ;;
        --warmup) WARMUP="$2"; shift ;;
        --batch) BATCH="$2"; shift ;;
        --skip-tests) SKIP_TESTS=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "gpu_check.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
if [ "$DRY" = 1 ]; then
    STEPS=2; WARMUP=1; BATCH=16
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/gpu_check.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
OUTDIR="${OUT:-}"
if [ -n "$OUTDIR" ]; then
    mkdir -p "$OUTDIR"
    LOG="$OUTDIR/gpu_check.log"
else
    LOG="$WORK/gpu_check.log"
fi
: > "$LOG"
RESULTS="$WORK/results.jsonl"
: > "$RESULTS"
SUMMARY=()

say() { echo "$@" | tee -a "$LOG"; }
# stage NAME TIMEOUT_S COMMAND...: run it, log it, record ok / FAILED / TIMED OUT
stage() {
    local name="$1" limit="$2"
    shift 2
    say ""
    say "=== $name ==="
    local start=$SECONDS rc
    if declare -F "$1" >/dev/null; then  # a function of this script: run it in a child bash
        timeout --kill-after=10 "$limit" bash -c "$(declare -f "$1")"$'\n''"$@"' _ "$@" 2>&1 | tee -a "$LOG"
        rc=${PIPESTATUS[0]}
    else
        timeout --kill-after=10 "$limit" "$@" 2>&1 | tee -a "$LOG"
        rc=${PIPESTATUS[0]}
    fi
    local took=$((SECONDS - start))
    local status="ok"
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        status="TIMED OUT after ${limit}s"
    elif [ "$rc" != 0 ]; then
        status="FAILED (exit $rc)"
    fi
    say "--- $name: $status (${took}s)"
    SUMMARY+=("| $name | $status | ${took}s |")
    return "$rc"
}

export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
export PY WORK RESULTS DRY BATCH STEPS WARMUP LOG REPO  # for the functions run by stage
cd "$REPO" || exit 1
say "gpu_check.sh: $(date -u +%Y-%m-%dT%H:%M:%SZ), repo $REPO ($(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo 'no git'))"
[ "$DRY" = 1 ] && say "DRY RUN: fake CuPy for glassnet, PyTorch on the CPU; the numbers are not GPU numbers"

# ----------------------------------------------------------------- 1. machine
if [ "$DRY" = 1 ] && ! command -v nvidia-smi >/dev/null 2>&1; then
    say "(dry run: no nvidia-smi on this machine)"
else
    stage "nvidia-smi" 30 nvidia-smi
fi
CUDA_MAJOR="$(nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9]*\).*/\1/p' | head -1)"

stage "python stack" 60 "$PY" - <<'EOF'
import platform, sys
print("python", sys.version.split()[0], platform.machine())
import numpy; print("numpy", numpy.__version__)
try:
    import torch
    print("torch", torch.__version__, "cuda:", torch.cuda.is_available(),
          torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
except ImportError as e:
    print("torch: not installed", e)
try:
    import pytest; print("pytest", pytest.__version__)
except ImportError:
    print("pytest: not installed")
EOF

check_cupy() {
    "$PY" - <<'EOF'
import cupy
print("cupy", cupy.__version__)
print("cuda available:", cupy.cuda.is_available())
if cupy.cuda.is_available():
    n = cupy.cuda.runtime.getDeviceCount()
    props = cupy.cuda.runtime.getDeviceProperties(0)
    print("devices:", n, "| device 0:", props["name"].decode(), "| runtime", cupy.cuda.runtime.runtimeGetVersion())
    x = cupy.arange(10, dtype=cupy.float32)
    print("smoke: sum(arange(10)) =", float((x * 2).sum()))
else:
    raise SystemExit("CuPy is installed but sees no CUDA device")
EOF
}
if [ "$DRY" = 0 ]; then
    if ! stage "cupy" 120 check_cupy; then
        if ! "$PY" -c "import cupy" >/dev/null 2>&1; then
            PKG="cupy-cuda12x"
            [ "${CUDA_MAJOR:-0}" -ge 13 ] 2>/dev/null && PKG="cupy-cuda13x"
            say "CuPy is missing: trying 'pip install $PKG' (needs a network; on an offline machine this fails:"
            say "  copy a $PKG wheel over and 'pip install <wheel>', or use a machine with CuPy preinstalled)"
            stage "pip install $PKG" 180 "$PY" -m pip install --retries 0 --timeout 15 "$PKG" \
                && stage "cupy (after install)" 120 check_cupy
        fi
    fi
fi

# --------------------------------------------------------- 2. glassnet smoke
DEVICE_SETUP=""
if [ "$DRY" = 1 ]; then
    DEVICE_SETUP="from tests import fakecupy; fakecupy.install_for_process()"
fi
stage "glassnet on cuda" 180 "$PY" - <<EOF
$DEVICE_SETUP
import time, numpy as np
import glassnet as gn, glassnet.functional as F
from glassnet import nn, optim
from glassnet.models import seed_cnn
print("glassnet", gn.__version__, "| cuda_available:", gn.cuda_available())
gn.manual_seed(0)
cpu = seed_cnn(dropout=0.0)
gpu = seed_cnn(dropout=0.0); gpu.load_state_dict(cpu.state_dict()); gpu.to("cuda")
x = np.random.default_rng(0).random((8, 1, 28, 28), dtype=np.float32); y = np.arange(8) % 10
for m, dev in ((cpu, "cpu"), (gpu, "cuda")):
    t = time.perf_counter()
    loss = F.cross_entropy(m(gn.tensor(x).to(dev)), gn.tensor(y).to(dev)); loss.backward()
    gn.backend.synchronize(); print(f"{dev}: loss {float(loss):.6f} ({time.perf_counter() - t:.2f}s, first step)")
diff = max(float(np.abs(a.grad.numpy() - b.grad.cpu().numpy()).max()) for a, b in zip(cpu.parameters(), gpu.parameters()))
print(f"largest gradient difference cpu/cuda: {diff:.2e}")
assert diff < 1e-3, "gradients differ between the CPU and the GPU"
EOF

# ------------------------------------------------------------------- 3. tests
pytest_path() {  # pytest importable? else try pip, else this checkout's .venv copy (pure Python)
    "$PY" -c "import pytest" >/dev/null 2>&1 && return 0
    timeout 90 "$PY" -m pip install --retries 0 --timeout 15 pytest >>"$LOG" 2>&1 \
        && "$PY" -c "import pytest" >/dev/null 2>&1 && return 0
    local site
    for site in "$REPO"/.venv/lib/python3*/site-packages; do
        [ -d "$site/_pytest" ] || continue
        mkdir -p "$WORK/pytest_vendored"
        local pkg
        for pkg in pytest _pytest pluggy iniconfig packaging py.py; do
            [ -e "$site/$pkg" ] && ln -sf "$site/$pkg" "$WORK/pytest_vendored/$pkg"
        done
        export PYTHONPATH="$PYTHONPATH:$WORK/pytest_vendored"
        "$PY" -c "import pytest" >/dev/null 2>&1 && say "(pytest from $site)" && return 0
    done
    say "pytest is not installed and could not be installed: the test stage is skipped"
    return 1
}
if [ "$SKIP_TESTS" = 0 ] && pytest_path; then
    if [ "$DRY" = 1 ]; then
        stage "tests (fake GPU)" "$TEST_TIMEOUT" "$PY" -m pytest -q -p no:cacheprovider -k "fake" \
            tests/test_devices.py tests/test_device_ops.py tests/test_device_training.py tests/test_fakecupy.py
    else
        # only the files with GPU tests: the others may need packages this machine lacks
        mapfile -t GPU_TESTS < <(grep -rlE "mark\.gpu|device_params|[(, ]gpu[,)]" tests --include='test_*.py' | sort)
        say "test files with GPU tests: ${GPU_TESTS[*]}"
        stage "tests (pytest -m gpu)" "$TEST_TIMEOUT" "$PY" -m pytest -q -p no:cacheprovider -m gpu \
            -rs "${GPU_TESTS[@]}"
    fi
fi

# ------------------------------------------------------------- 4. benchmarks
bench() {  # bench FRAMEWORK MODEL
    local fw="$1" model="$2" dev="cuda" setup=""
    if [ "$DRY" = 1 ]; then
        [ "$fw" = torch ] && dev="cpu"
        [ "$fw" = glassnet ] && setup="from tests import fakecupy; fakecupy.install_for_process(); "
    fi
    "$PY" -c "${setup}from benchmarks.worker import main; main()" --framework "$fw" --model "$model" \
        --mode train --device "$dev" --batch "$BATCH" --steps "$STEPS" --warmup "$WARMUP" --threads 4 \
        > "$WORK/bench.out"
    local rc=$?
    cat "$WORK/bench.out"
    tail -n 1 "$WORK/bench.out" | grep '^{' >> "$RESULTS"
    return $rc
}
for model in seed_cnn lstm_attn; do
    for fw in glassnet torch; do
        stage "benchmark $model $fw" "$BENCH_TIMEOUT" bench "$fw" "$model"
    done
done

TABLE="$WORK/table.md"
"$PY" - "$RESULTS" "$DRY" > "$TABLE" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {(r["model"], r["framework"]): r for r in rows}
names = {"seed_cnn": "seed CNN", "lstm_attn": "LSTM(128) + attention"}
dry = sys.argv[2] == "1"
dev = lambda r: r.get("device", "?") + (" (fake)" if dry and r["framework"] == "glassnet" else "")
print("| model (train step, batch %s) | glassnet samples/s | PyTorch samples/s | glassnet / PyTorch |"
      % (rows[0]["batch"] if rows else "?"))
print("|---|---|---|---|")
for m in ("seed_cnn", "lstm_attn"):
    g, t = by.get((m, "glassnet")), by.get((m, "torch"))
    cell = lambda r: "failed" if r is None else f"{r['samples_per_s']:,.0f} ({r['median_s'] * 1e3:.2f} ms, {dev(r)})"
    ratio = f"{g['samples_per_s'] / t['samples_per_s']:.2f}x" if g and t else "n/a"
    print(f"| {names[m]} | {cell(g)} | {cell(t)} | {ratio} |")
if dry:
    print("\nDRY RUN: glassnet ran on the fake CuPy and PyTorch on the CPU; these are not GPU numbers.")
EOF

say ""
say "=== results ==="
tee -a "$LOG" < "$TABLE"
say ""
say "| stage | status | time |"
say "|---|---|---|"
for line in "${SUMMARY[@]}"; do say "$line"; done
FAILED=0
for line in "${SUMMARY[@]}"; do
    case "$line" in *FAILED*|*"TIMED OUT"*) FAILED=$((FAILED + 1)) ;; esac
done
say ""
say "gpu_check.sh: $FAILED stage(s) failed, total ${SECONDS}s"
if [ -n "$OUTDIR" ]; then
    cp "$TABLE" "$OUTDIR/gpu_check_table.md"
    cp "$RESULTS" "$OUTDIR/gpu_check_results.jsonl"
    printf '%s\n' "${SUMMARY[@]}" > "$OUTDIR/gpu_check_stages.md"
fi
[ "$FAILED" = 0 ]
