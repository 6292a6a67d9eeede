"""TRL peer for `tally bench train`: sequences/s of TRL's SFTTrainer, RewardTrainer and DPOTrainer on CPU.

Export the examples and models with Tally, then run this in the same session and compare as ratios:

    tally bench train --export /tmp/tally-bench-train
    pip install trl                    # TRL 1.16, with torch and transformers
    python3 scripts/bench_peer_trl.py --data /tmp/tally-bench-train

Both sides train the same models (DIR/base and DIR/small in Hugging Face's layout) on the same examples in
the same order (DIR/sft.jsonl as conversational prompt-completion, DIR/rm.jsonl as conversational
prompt/chosen/rejected, both rendered with the checkpoint's ChatML template), for the same warm-up and timed
steps (DIR/bench.json) at batch 8: fp32, 2 threads, full fine-tuning, AdamW (transformers' default optimizer on
CPU) with clipping to norm 1. Set so that TRL does the same computation as Tally and nothing else: no dropout
(Tally's engine has none), no gradient checkpointing (TRL turns it on by default; off is faster, and
--gradient-checkpointing measures TRL's default), no bf16 (TRL's default), no evaluation, saving, logging or
progress bar.

Timing: a TrainerCallback reads the clock at the end of the last warm-up step and at the end of the last timed
step, so loading the model, tokenising and setting up the Trainer are not timed, and everything a training step
does is: collating the batch, forward, backward, clipping, AdamW and the scheduler (and the metrics TRL's
compute_loss gathers every step). Tally's side times the same span of its steps.

Counting, as Tally's: a preference pair is one sequence (TRL's batch of 8 pairs is 16 rows); tokens_per_s and
mean_tokens count the tokens of every row the model reads (both responses of a pair, each with its prompt), no
padding. transformers' chat template ends the assistant turn with "<|im_end|>\\n", one token more than Tally's
rendering, so mean_tokens here is about one higher.

Prints one JSON line per trainer and model, like `tally bench train` ("impl": "trl"); notes go to stderr.
"""
import argparse
import contextlib
import json
import os
import sys
import tempfile

import trl_peer


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="the folder `tally bench train --export` wrote")
    parser.add_argument("--trainer", default="all", choices=["sft", "rm", "dpo", "all"])
    parser.add_argument("--model-shape", default="all", choices=["base", "small", "all"])
    parser.add_argument("--steps", type=int, help="timed steps (default: bench.json's)")
    parser.add_argument("--warmup", type=int, help="untimed steps first (default: bench.json's, at least 1)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--gradient-checkpointing",
        action="store_true",
        help="recompute activations in the backward pass, as TRL does by default (slower; off by default here)",
    )
    return parser.parse_args()


ARGS = parse_arguments()
trl_peer.configure(ARGS.threads)

import datasets  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
import trl  # noqa: E402


def common_settings(output_dir, steps, settings):
    """TrainingArguments shared by both trainers: the same computation as Tally's, no extra work."""
    return dict(
        **trl_peer.timing_only_arguments(output_dir, settings.get("learning_rate", 1e-5)),
        per_device_train_batch_size=settings["batch"],
        gradient_accumulation_steps=1,
        max_steps=steps,
        gradient_checkpointing=ARGS.gradient_checkpointing,
        logging_strategy="no",
        train_sampling_strategy="sequential",  # the batches Tally trains on, in its order
        seed=settings.get("seed", 1),
        model_init_kwargs={
            "dtype": "float32",
            # The exported config.json names no dropout, so transformers would default to 0.1.
            "resid_pdrop": 0.0,
            "embd_pdrop": 0.0,
            "attn_pdrop": 0.0,
            "summary_first_dropout": 0.0,
        },
    )


def row_lengths(trainer_name, dataset):
    """The token counts of each example's rows as the model reads them (a pair has two rows)."""
    if trainer_name == "sft":
        return [[len(ids)] for ids in dataset["input_ids"]]
    if trainer_name == "dpo":
        # DPO keeps the prompt apart; a row the model reads is prompt + completion.
        names = dataset.column_names
        prompt = next(n for n in ("prompt_ids", "prompt_input_ids") if n in names)
        chosen = next(n for n in ("chosen_ids", "chosen_input_ids") if n in names)
        rejected = next(n for n in ("rejected_ids", "rejected_input_ids") if n in names)
        return [
            [len(p) + len(c), len(p) + len(r)]
            for p, c, r in zip(dataset[prompt], dataset[chosen], dataset[rejected])
        ]
    return [[len(c), len(r)] for c, r in zip(dataset["chosen_ids"], dataset["rejected_ids"])]


def bench(trainer_name, model_name, folder, settings, warmup, steps):
    model_path = os.path.join(folder, model_name)
    data_file = os.path.join(folder, "sft.jsonl" if trainer_name == "sft" else "rm.jsonl")
    dataset = datasets.load_dataset("json", data_files=data_file, split="train")
    clock = trl_peer.step_clock()
    total = warmup + steps
    with tempfile.TemporaryDirectory(prefix="trl-bench-") as output_dir:
        common = common_settings(output_dir, total, settings)
        if trainer_name == "sft":
            config = trl.SFTConfig(**common, max_length=None)
            trainer = trl.SFTTrainer(model=model_path, args=config, train_dataset=dataset, callbacks=[clock])
        elif trainer_name == "dpo":
            # The reference is a frozen copy TRL makes of the model (Tally's full fine-tuning does the same).
            config = trl.DPOConfig(**common, max_length=None, beta=0.1, loss_type=["sigmoid"], disable_dropout=True)
            trainer = trl.DPOTrainer(model=model_path, args=config, train_dataset=dataset, callbacks=[clock])
        else:
            config = trl.RewardConfig(**common, max_length=None, disable_dropout=True)
            trainer = trl.RewardTrainer(model=model_path, args=config, train_dataset=dataset, callbacks=[clock])
        trainer.remove_callback(transformers.PrinterCallback)  # the end-of-training summary
        lengths = row_lengths(trainer_name, trainer.train_dataset)
        with contextlib.redirect_stdout(sys.stderr):  # standard output holds only the JSON lines
            trainer.train()
    if len(clock.ends) != total:
        raise SystemExit(f"{trainer_name}/{model_name}: {len(clock.ends)} steps ran, {total} expected")
    start = clock.ends[warmup - 1] if warmup > 0 else clock.first_begin
    seconds = clock.ends[-1] - start
    batch = settings["batch"]
    # Sequential sampling: step k trains on examples [k·batch, (k+1)·batch), wrapping around.
    batches = [[lengths[(k * batch + i) % len(lengths)] for i in range(batch)] for k in range(warmup, total)]
    rows = [[n for example in examples for n in example] for examples in batches]
    tokens = sum(sum(step_rows) for step_rows in rows)
    padded = sum(len(step_rows) * max(step_rows) for step_rows in rows)
    examples = steps * batch
    print(
        f"{trainer_name}/{model_name}: {seconds:.3f} s timed; {padded} positions computed for {tokens} real ones "
        f"(padding {100 * (1 - tokens / padded):.1f}%)",
        file=sys.stderr,
    )
    return {
        "bench": "train",
        "impl": "trl",
        "trainer": trainer_name,
        "model": model_name,
        "sequences_per_s": examples / seconds,
        "tokens_per_s": tokens / seconds,
        "steps": steps,
        "batch": batch,
        "mean_tokens": tokens / sum(len(step_rows) for step_rows in rows),
        "params": sum(p.numel() for p in trainer.model.parameters()),
        "seconds": seconds,
        "gradient_checkpointing": ARGS.gradient_checkpointing,
    }


def main():
    with open(os.path.join(ARGS.data, "bench.json")) as file:
        settings = json.load(file)
    steps = ARGS.steps or settings["steps"]
    warmup = ARGS.warmup if ARGS.warmup is not None else max(1, settings["warmup_steps"])
    trainers = ["sft", "rm", "dpo"] if ARGS.trainer == "all" else [ARGS.trainer]
    models = [m for m in settings["models"] if ARGS.model_shape in ("all", m)]
    print(
        f"TRL {trl.__version__}, transformers {transformers.__version__}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; {warmup} warm-up + {steps} timed steps, batch {settings['batch']}",
        file=sys.stderr,
    )
    for trainer_name in trainers:
        for model_name in models:
            print(json.dumps(bench(trainer_name, model_name, ARGS.data, settings, warmup, steps)), flush=True)


if __name__ == "__main__":
    main()
