#!/usr/bin/env bash
# End-to-end trainer benchmark: the README's main command (quick preset, embedded default data,
# evaluation included) against its 10-minute budget, plus smoke runs of the kmer and sgt encoders.
# Usage: benchmarks/bench_quick_run.sh [OUT_DIR]   (default: a fresh folder under /tmp)
# Prints one line per run: encoder, preset, wall seconds, fid, fid_stage1, run folder.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DNAGAN="$ROOT/.venv/bin/dnagan"
OUT="${1:-$(mktemp -d /tmp/dnagan-bench.XXXXXX)}"
mkdir -p "$OUT"

run() {  # encoder preset
    local folder="$OUT/$1-$2" start end
    start=$(date +%s.%N)
    nice "$DNAGAN" run --encoder "$1" --preset "$2" --out "$folder" >"$folder.log" 2>"$folder.err"
    end=$(date +%s.%N)
    "$ROOT/.venv/bin/python" - "$folder" "$1" "$2" "$start" "$end" <<'PY'
import json, sys
folder, encoder, preset, start, end = sys.argv[1:]
s = json.load(open(f"{folder}/summary.json"))
print(f"{encoder:8s} {preset:6s} wall {float(end) - float(start):7.1f} s  "
      f"train {s['train_seconds']:7.1f} s  {s['images_per_s']:6.1f} img/s  "
      f"fid {s.get('fid', float('nan')):7.2f} (n={s.get('fid_n')})  "
      f"fid_stage1 {s.get('fid_stage1', float('nan')):7.2f} (n={s.get('fid_stage1_n')})  {folder}")
PY
}

for spec in "${BENCH_RUNS:-average:quick kmer:smoke sgt:smoke}"; do
    for pair in $spec; do
        run "${pair%%:*}" "${pair##*:}"
    done
done
