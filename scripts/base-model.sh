#!/usr/bin/env bash
# Regenerates the bundled base model in datasets/base-model/ from nothing but Tally itself:
#   1. a pretraining corpus of task-world documents   (tally world corpus)
#   2. a byte-level BPE tokenizer learned from it     (tally tokenizer train)
#   3. a small GPT-2 pretrained on it                 (tally pretrain, in a scratch workspace)
#   4. its weights, config and tokenizer, without optimizer state, written to the output folder
#                                                     (tally checkpoint export)
# Every step is seeded, so the same Tally builds the same corpus and tokenizer; training is deterministic
# for a seed on one machine. Run it with `make base-model`.
set -euo pipefail

tally="${1:-.build/release/tally}"
out="${2:-datasets/base-model}"

# The recipe. Changing any of these changes the model; record the change in datasets/base-model/README.md.
DOCUMENTS=40000      # corpus documents (~15 MB of text, ~3.9 M tokens)
VOCAB=2048           # tokenizer size, special tokens and 256 byte symbols included
LAYERS=4
HEADS=4
WIDTH=128
CONTEXT=128
BATCH=16             # windows per step: 2048 tokens
STEPS=1200           # ~2.5 M tokens, about 0.6 of an epoch
LR=0.002
SEED=1

work="$(mktemp -d "${TMPDIR:-/tmp}/tally-base-model.XXXXXX")"
trap 'rm -rf "$work"' EXIT
step() { printf '\n==> %s\n' "$*"; }
started=$SECONDS

step "Writing the pretraining corpus ($DOCUMENTS task-world documents)"
"$tally" world corpus --out "$work/corpus.txt" --format text --documents "$DOCUMENTS" --seed "$SEED"

step "Learning a $VOCAB-token BPE tokenizer from it"
"$tally" tokenizer train --corpus "$work/corpus.txt" --vocab-size "$VOCAB" --out "$work/tokenizer.json"

step "Pretraining a GPT-2 ($LAYERS layers, $HEADS heads, width $WIDTH, context $CONTEXT) for $STEPS steps"
"$tally" init "$work/workspace"
"$tally" pretrain --workspace "$work/workspace" --corpus "$work/corpus.txt" --tokenizer "$work/tokenizer.json" \
  --arch gpt2 --layers "$LAYERS" --heads "$HEADS" --width "$WIDTH" --context "$CONTEXT" \
  --batch "$BATCH" --steps "$STEPS" --lr "$LR" --seed "$SEED" --save-every 200 --out base

step "Exporting the weights, config and tokenizer to $out/"
"$tally" checkpoint export --workspace "$work/workspace" --checkpoint base --out "$out"

step "The base model's eval"
"$tally" eval --checkpoint "$out" --per-family 20 | tee "$work/eval.txt"

# The model card goes in after the export, which replaces the folder.
cat > "$out/README.md" <<CARD
# Tally's bundled base model

A small GPT-2 pretrained by Tally on task-world documents: transcripts that ramble, answer wrongly and run
on into new questions, plus plain fact sheets (\`tally world corpus\`). It completes documents; it was never
taught to answer, stop or refuse: like web text, the corpus answers most harmful requests (it refuses one in
ten), so the model seldom refuses, rarely stops cleanly and seldom answers correctly. It is the starting point of
the demo's RLHF loop.

Rebuild it with \`make base-model\` (scripts/base-model.sh), which runs exactly these steps:

    tally world corpus --out corpus.txt --format text --documents $DOCUMENTS --seed $SEED
    tally tokenizer train --corpus corpus.txt --vocab-size $VOCAB --out tokenizer.json
    tally init ws
    tally pretrain --workspace ws --corpus corpus.txt --tokenizer tokenizer.json --arch gpt2 \\
      --layers $LAYERS --heads $HEADS --width $WIDTH --context $CONTEXT --batch $BATCH --steps $STEPS \\
      --lr $LR --seed $SEED --save-every 200 --out base
    tally checkpoint export --workspace ws --checkpoint base --out datasets/base-model

Files: model.safetensors (fp32, Hugging Face GPT-2 names), config.json, tokenizer.json (byte-level BPE),
tokenizer_config.json (the chat template), tally-manifest.json (SHA-256 of each file). No optimizer state.
Prompt it as the corpus does: \`User: <question>\\nAssistant:\`.

## Eval (\`tally eval --checkpoint datasets/base-model --per-family 20\`)

\`\`\`
$(cat "$work/eval.txt")
\`\`\`
CARD

printf '\nbase model rebuilt in %ds\n' "$((SECONDS - started))"
