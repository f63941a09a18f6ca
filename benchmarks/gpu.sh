#!/usr/bin/env bash
# GPU benchmark of dnagan on one NVIDIA GPU, < 8 minutes: paper-preset stage 1/2 training images/s,
# achieved TFLOP/s vs the GPU's bf16 peak, FID feature extraction images/s, and a short 224x224
# quick-preset run on the Yosemite photos with its FID. Also a 2-process DDP smoke check when more
# than one GPU is visible.
#
#   bash benchmarks/gpu.sh [OUT_DIR]          # default OUT_DIR: runs-gpu/<timestamp>
#
# Environment:
#   PYTHON              interpreter holding torch (default: .venv/bin/python, else python3)
#   RUN_BUDGET          seconds of training in the Yosemite run (default 150; the whole script
#                       takes about RUN_BUDGET + 200 s: ~80 s of throughput sections, photo
#                       decoding, evaluation)
#   DNAGAN_YOSEMITE     photo folder or zip (default ../shared/data/landscapes/yosemite)
#   DNAGAN_INCEPTION_WEIGHTS  path of pt_inception-2015-12-05-6726825d.pth when it is not yet in
#                       $TORCH_HOME/hub/checkpoints (an offline GPU machine cannot fetch it); without
#                       it, Inception speed is measured on an untrained copy and no FID is reported.
# Needs: torch with CUDA, and dnagan's dependencies (pip install -e . where there is network; else
# biopython and pytorch-fid wheels, see docs/scaling.md). Works without `pip install` of dnagan
# itself (the built-in plugins are registered by module).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
OUT="${1:-runs-gpu/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD/src:$PWD/plugins${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1

nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv | tee "$OUT/nvidia-smi.csv"

if [ -n "${DNAGAN_INCEPTION_WEIGHTS:-}" ]; then
  hub="$("$PYTHON" -c 'import torch; print(torch.hub.get_dir())')/checkpoints"
  mkdir -p "$hub" && cp -n "$DNAGAN_INCEPTION_WEIGHTS" "$hub/"
fi

start=$(date +%s)
timeout 450 "$PYTHON" benchmarks/gpu_bench.py --out "$OUT/report.md" --json "$OUT/results.json" \
  --run-budget "${RUN_BUDGET:-150}" 2>&1 | tee "$OUT/log.txt"

gpus=$("$PYTHON" -c 'import torch; print(torch.cuda.device_count())')
if [ "$gpus" -ge 2 ]; then
  echo "DDP smoke: torchrun --nproc_per_node 2 (NCCL)"
  timeout 60 "$PYTHON" -m torch.distributed.run --standalone --nproc_per_node 2 \
    benchmarks/gpu_bench.py cli run --encoder average --preset smoke --device cuda \
    --evaluators none --out "$OUT/ddp-smoke" 2>&1 | tail -3
fi
echo "gpu.sh: $(( $(date +%s) - start )) s; report in $OUT/report.md"
