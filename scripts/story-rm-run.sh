#!/usr/bin/env bash
# A trained reward model in place of the built-in story suite, end to end (docs/reward-models.md, "Driving prefloop
# run"): base-model samples on non-held-out story prompts labelled by the suite -> `prefloop rm train` -> the RM
# checked where DPO uses it -> `prefloop run` of the default recipe with rank.ranker=classifier:<rm> -> judge win rates.
# Deterministic for its seeds. Usage: scripts/story-rm-run.sh [OUT_DIR] (default runs/story-rm); extra `prefloop run`
# overrides in RUN_SETS (e.g. RUN_SETS="--set train.beta=0.2"). Takes ~15 min on 2 cores (data 3, RM 5-8, run 3-4).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/story-rm}
PREFLOOP="node bin/prefloop.js"
mkdir -p "$OUT"

# 1. Data: 1,000 prompts (the recipe's 240 training prompts + fresh ones from make-story-prompts' templates, the 60
#    held-out judge prompts excluded), 3 samples at each of T = 0.8, 1, 1.2, story-suite labels (targetChars 400);
#    pairs within a prompt whose suite scores differ by >= 0.3 (at most 6 per prompt) + 3 name-swap counterfactuals.
[ -f "$OUT/data/pairs-train.jsonl" ] ||
  npx tsx scripts/make-story-rm-data.ts --out "$OUT/data" --prompts 1000 --n 3 --temperatures 0.8,1,1.2 \
    --min-gap 0.3 --max-pairs-per-prompt 6 --swap-pairs 3 --seed 13

# 2. The reward model: stories260K + scalar head, Bradley-Terry on those pairs (1 epoch, 472 steps).
[ -f "$OUT/rm/config.json" ] ||
  $PREFLOOP rm train --backbone models/stories260K.gguf --data "$OUT/data/pairs-train.jsonl" \
    --eval-data "$OUT/data/pairs-eval.jsonl" --out "$OUT/rm" \
    --set max_length=192 --set per_device_train_batch_size=16 --set learning_rate=2e-3 --set num_train_epochs=1

# 3. Where DPO uses it: best/worst of 5 samples on the RM's held-out prompts, against the suite and the judge.
npx tsx scripts/story-rm-check.ts --data "$OUT/data" --ranker "classifier:$OUT/rm"

# 4. The default recipe, the reward model ranking instead of the story suite; the held-out judge is unchanged.
# shellcheck disable=SC2086
$PREFLOOP run --out "$OUT/run" --set "rank.ranker=classifier:$(realpath "$OUT/rm")" ${RUN_SETS:-}
$PREFLOOP status "$OUT/run"
# 5. Per iteration: the story suite's mean on the held-out answers (what the RM was taught) and the judge's win rate.
npx tsx scripts/story-rm-check.ts --run "$OUT/run"
