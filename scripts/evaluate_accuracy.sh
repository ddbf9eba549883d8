#!/usr/bin/env bash
# Measures end-to-end accuracy (challenge SNR) on freshly rendered pages, per
# degradation preset and per layout, and on the bundled ecg-image-kit pages;
# prints a Markdown table (docs/results.md keeps the latest).
#
#   scripts/evaluate_accuracy.sh [BUILD_DIR] [WORK_DIR] [PAGES_PER_CASE] [EXTRA_PAGE_DIR]
#
# EXTRA_PAGE_DIR: more ecg-image-kit pages (NNNNN_hr-0.png beside NNNNN_hr.hea/.dat).
# Pages use random styles (fonts, colours, DPI, gains...) from seeds that are
# fixed per case, so reruns are comparable and no case is tuned to one look.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
work=${2:-$root/build/accuracy}
pages=${3:-20}
extra=${4:-}
ecgdig=$build/bin/ecgdig
segmenter=${ECGDIG_SEGMENTER:-classical}
[ -x "$ecgdig" ] || { echo "no $ecgdig: build first (cmake --preset release && cmake --build build/release)" >&2; exit 2; }
rm -rf "$work" && mkdir -p "$work" && work=$(cd "$work" && pwd)

# case NAME RENDER_ARGS...: render, digitize, score; appends a JSON summary line.
run_case() {
  local name=$1; shift
  local dir=$work/$name
  "$ecgdig" render "$@" -o "$dir/truth" > /dev/null
  # Only the page images go in; the truth masks beside them are not pages.
  mkdir -p "$dir/pages"
  for hea in "$dir"/truth/*.hea; do ln -s "${hea%.hea}.png" "$dir/pages/"; done
  "$ecgdig" digitize "$dir/pages" -o "$dir/pred" --segmenter "$segmenter" -q > "$dir/digitize.log" 2>&1 || true
  "$ecgdig" eval "$dir/pred" "$dir/truth" --json --out "$dir/score.json" > /dev/null 2>&1 || true
  echo "$name" >> "$work/cases.txt"
}

seed=1000
for preset in none light rotated heavy photo bw crease; do
  run_case "preset-$preset" --synthetic --layout random --preset "$preset" --seed $seed --count "$pages"
  seed=$((seed + 1000))
done
for layout in 3x4 3x4+1 3x4+3 6x2 6x2+1 12x1 6x1-limb 6x1-chest 3x4-cabrera; do
  run_case "layout-$layout" --synthetic --layout "$layout" --preset light --seed $seed --count $(( (pages + 1) / 2 ))
  seed=$((seed + 1000))
done

# ecg-image-kit pages: the truth is the record masked to what the page shows,
# which our renderer reproduces with the ecg-image-kit geometry.
kit_case() {
  local name=$1 src=$2
  local dir=$work/$name
  mkdir -p "$dir/truth" "$dir/pages"
  for png in "$src"/*_hr-0.png; do
    [ -e "$png" ] || continue
    local rec=${png%-0.png}
    "$ecgdig" render --record "$rec" --geometry ecg-image-kit -o "$dir/truth" > /dev/null
    cp "$png" "$dir/pages/"
  done
  "$ecgdig" digitize "$dir/pages" -o "$dir/pred" --segmenter "$segmenter" -q > "$dir/digitize.log" 2>&1 || true
  "$ecgdig" eval "$dir/pred" "$dir/truth" --json --out "$dir/score.json" > /dev/null 2>&1 || true
  echo "$name" >> "$work/cases.txt"
}
kit_case "ecg-image-kit-bundled" "$root/tests/data/ptbxl"
[ -n "$extra" ] && kit_case "ecg-image-kit-extra" "$extra"

/usr/bin/python3 - "$work" <<'PY'
import json, math, os, sys
work = sys.argv[1]
print("| case | pages | digitized | mean SNR dB | median lead SNR dB | mean r | leads found |")
print("|---|---|---|---|---|---|---|")
for name in open(os.path.join(work, "cases.txt")).read().split():
    d = os.path.join(work, name)
    total = len([f for f in os.listdir(os.path.join(d, "truth")) if f.endswith(".hea")])
    try:
        score = json.load(open(os.path.join(d, "score.json")))
    except (OSError, ValueError):
        print(f"| {name} | {total} | 0 | - | - | - | - |"); continue
    snr, rs, found, leads, ok = [], [], 0, 0, 0
    for rec in score["records"]:
        ok += 0 if rec.get("missing") else 1
        for lead in rec["leads"]:
            leads += 1
            if lead.get("missing"): snr.append(0.0); continue
            found += 1
            if lead["snr_db"] is not None and math.isfinite(lead["snr_db"]): snr.append(lead["snr_db"])
            if lead["pearson_r"] is not None and math.isfinite(lead["pearson_r"]): rs.append(lead["pearson_r"])
    s = sorted(snr)
    med = s[len(s)//2] if s else float("nan")
    mean = sum(snr)/len(snr) if snr else float("nan")
    r = sum(rs)/len(rs) if rs else float("nan")
    print(f"| {name} | {total} | {ok} | {mean:.2f} | {med:.2f} | {r:.3f} | {found}/{leads} |")
PY
