"""TRL peer for `tally bench rl`: seconds per step of TRL's GRPOTrainer and RLOOTrainer on CPU.

Export the prompts and models with Tally, then run this in the same session and compare as ratios:

    tally bench rl --export /tmp/tally-bench-rl
    pip install trl                    # TRL 1.16, with torch and transformers
    python3 scripts/bench_peer_trl_rl.py --data /tmp/tally-bench-rl

Both sides run BENCH.md's configuration (bench-rl.json): 16 prompts × a group of 4 (64 completions a step), 64
new tokens, one update a step, on the same policy (DIR/base, DIR/small in Hugging Face's layout), the same
reward model (DIR/base-rm, DIR/small-rm: the policy with the fresh scalar head Tally scores with), and the same
pool of prompts (DIR/prompts.jsonl, conversational, rendered with the checkpoint's ChatML template). Every
completion runs to exactly 64 tokens on both sides: here `min_new_tokens` keeps the end-of-turn tokens from being
sampled, and Tally turns its stops off (untrained models rarely end early anyway). Like Tally: fp32, 2 threads,
full fine-tuning, the reference a frozen copy of the policy (GRPO's beta 0.04, RLOO's 0.05, as Tally's
defaults; TRL's GRPO default of beta 0 would skip the reference forward), temperature 1 with no top-k/top-p,
AdamW with clipping to norm 1, the 64 completions generated in one batch and trained in micro-batches of 16
(gradient accumulation 4: one optimizer step), no dropout, no gradient checkpointing, no evaluation, saving or
progress bar.

Timing: a TrainerCallback reads the clock at the end of every optimizer step, so a step is everything between
two: generation, the reward model, the reference forward, forward and backward over the micro-batches, clipping
and AdamW. The first --warmup steps are not counted. Tally's iteration_s times the same span.

Prints one JSON line per configuration and model ("impl": "trl", "step_s" the median and "step_s_worst");
notes go to stderr.
"""
import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile

import trl_peer


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="the folder `tally bench rl --export` wrote")
    parser.add_argument("--config", default="all", choices=["grpo", "rloo", "all"])
    parser.add_argument("--model-shape", default="all", choices=["base", "small", "all"])
    parser.add_argument("--steps", type=int, help="timed steps (default: bench-rl.json's iterations)")
    parser.add_argument("--warmup", type=int, help="steps not counted first (default: bench-rl.json's, at least 1)")
    parser.add_argument("--micro-batch", type=int, help="completions per forward/backward (default: Tally's, 16)")
    parser.add_argument("--threads", type=int, default=2)
    return parser.parse_args()


ARGS = parse_arguments()
trl_peer.configure(ARGS.threads)

import datasets  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
import trl  # noqa: E402
from transformers import TrainerCallback  # noqa: E402


class CompletionLengths(TrainerCallback):
    """The mean completion length TRL logs for each step (logging is kept to the metrics TRL gathers anyway)."""

    def __init__(self):
        self.lengths = []

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "completions/mean_length" in logs:
            self.lengths.append(logs["completions/mean_length"])


def bench(config_name, model_name, settings, warmup, steps):
    folder = ARGS.data
    sizes = settings["configs"][config_name]
    new_tokens = settings["new_tokens"]
    completions = sizes["prompts"] * sizes["group_size"]
    micro = ARGS.micro_batch or settings.get("micro_batch", 16)
    if completions % micro != 0:
        raise SystemExit(f"--micro-batch {micro} must divide the {completions} completions of a step")
    dataset = datasets.load_dataset("json", data_files=os.path.join(folder, "prompts.jsonl"), split="train")
    clock = trl_peer.step_clock()
    lengths = CompletionLengths()
    total = warmup + steps
    with tempfile.TemporaryDirectory(prefix="trl-bench-rl-") as output_dir:
        common = dict(
            **trl_peer.timing_only_arguments(output_dir, settings.get("learning_rate", 1e-6)),
            per_device_train_batch_size=micro,
            gradient_accumulation_steps=completions // micro,  # one optimizer step per generation of 64
            num_generations=sizes["group_size"],
            max_completion_length=new_tokens,
            generation_kwargs={"min_new_tokens": new_tokens},
            temperature=sizes["temperature"],
            top_p=1.0,
            top_k=0,
            num_iterations=1,
            max_steps=total,
            gradient_checkpointing=False,
            logging_strategy="steps",
            logging_steps=1,
            disable_dropout=True,
            seed=settings.get("seed", 1),
            model_init_kwargs={"dtype": "float32"},
        )
        if config_name == "grpo":
            args = trl.GRPOConfig(**common, beta=sizes["beta"])
            trainer_class = trl.GRPOTrainer
        else:
            args = trl.RLOOConfig(**common, beta=sizes["kl_coef"])
            trainer_class = trl.RLOOTrainer
        trainer = trainer_class(
            model=os.path.join(folder, model_name),
            reward_funcs=os.path.join(folder, model_name + "-rm"),
            args=args,
            train_dataset=dataset,
            callbacks=[clock, lengths],
        )
        trainer.remove_callback(transformers.PrinterCallback)  # the per-step log lines
        tokenizer = trainer.processing_class
        prompt_tokens = [
            len(tokenizer(tokenizer.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=False),
                          add_special_tokens=False)["input_ids"])
            for row in dataset
        ]
        with contextlib.redirect_stdout(sys.stderr):  # standard output holds only the JSON lines
            trainer.train()
    if len(clock.ends) != total:
        raise SystemExit(f"{config_name}/{model_name}: {len(clock.ends)} steps ran, {total} expected")
    durations = [b - a for a, b in zip(clock.ends[warmup - 1 : -1], clock.ends[warmup:])]
    mean_length = statistics.mean(lengths.lengths[warmup:]) if len(lengths.lengths) > warmup else float("nan")
    print(
        f"{config_name}/{model_name}: steps " + ", ".join(f"{d:.3f}" for d in durations) + " s; mean prompt "
        f"{statistics.mean(prompt_tokens):.1f} tokens (Tally's: {settings.get('mean_prompt_tokens', 0):.1f}), mean "
        f"completion {mean_length:.1f} tokens",
        file=sys.stderr,
    )
    return {
        "bench": "rl",
        "impl": "trl",
        "config": config_name,
        "model": model_name,
        "prompts": sizes["prompts"],
        "group_size": sizes["group_size"],
        "new_tokens": new_tokens,
        "steps": steps,
        "micro_batch": micro,
        "step_s": statistics.median(durations),
        "step_s_worst": max(durations),
        "mean_completion_tokens": mean_length,
        "params": sum(p.numel() for p in trainer.model.parameters()),
    }


def main():
    with open(os.path.join(ARGS.data, "bench-rl.json")) as file:
        settings = json.load(file)
    steps = ARGS.steps or settings["iterations"]
    # The first step also builds the reference copy's and the optimizer's state: at least one is not counted.
    warmup = max(1, ARGS.warmup if ARGS.warmup is not None else settings["warmup_iterations"])
    configs = ["grpo", "rloo"] if ARGS.config == "all" else [ARGS.config]
    models = [m for m in settings["models"] if ARGS.model_shape in ("all", m)]
    print(
        f"TRL {trl.__version__}, transformers {transformers.__version__}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; {warmup} warm-up + {steps} timed steps",
        file=sys.stderr,
    )
    for config_name in configs:
        for model_name in models:
            print(json.dumps(bench(config_name, model_name, settings, warmup, steps)), flush=True)


if __name__ == "__main__":
    main()
