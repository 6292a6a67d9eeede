"""Train TRL's DPOTrainer on a Tally workspace's exported pairs, from the same SFT checkpoint, for comparison
with `tally train dpo` (judged afterwards by `tally eval`, the same oracle, the same prompts and draws).

    tally checkpoint export --checkpoint sft --out /tmp/sft-hf --workspace W
    tally export prefs /tmp/pairs.jsonl --split train --workspace W
    python3 scripts/trl_dpo_compare.py --model /tmp/sft-hf --pairs /tmp/pairs.jsonl --out /tmp/trl-dpo \\
        --steps 500 --lr 1e-4 --beta 0.1
    tally checkpoint import /tmp/trl-dpo --name trl-dpo --kind dpo --workspace W
    tally eval --checkpoint trl-dpo --workspace W

The settings follow `tally train dpo`'s defaults: sigmoid loss, batch 8 pairs, AdamW (β2 0.95, no weight decay),
linear warmup for a tenth of the steps (at most 50), cosine decay to a tenth of the peak rate, gradient clipping to
norm 1, pairs in a seeded shuffled order, fp32 on the CPU's 2 threads, no dropout. The pairs are rendered with the
checkpoint's chat template (TRL's conversational format), as Tally renders them.
"""
import argparse
import json
import math
import random
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="the SFT checkpoint in Hugging Face's layout")
    parser.add_argument("--pairs", required=True, help="JSONL of {prompt, chosen, rejected} (tally export prefs)")
    parser.add_argument("--out", required=True, help="the folder to write the trained model to")
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--beta", type=float, default=0.1)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig, DPOTrainer

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(args.model, torch_dtype=torch.float32)
    reference = AutoModelForCausalLM.from_pretrained(args.model, torch_dtype=torch.float32)
    for config in (model.config, reference.config):
        for name in ("resid_pdrop", "embd_pdrop", "attn_pdrop"):
            if hasattr(config, name):
                setattr(config, name, 0.0)

    def as_messages(value, role):
        return value if isinstance(value, list) else [{"role": role, "content": value}]

    rows = []
    with open(args.pairs, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                pair = json.loads(line)
                rows.append({
                    "prompt": as_messages(pair["prompt"], "user"),
                    "chosen": as_messages(pair["chosen"], "assistant"),
                    "rejected": as_messages(pair["rejected"], "assistant"),
                })
    random.Random(args.seed).shuffle(rows)
    print(f"{len(rows)} pairs; {args.steps} steps of {args.batch}", file=sys.stderr)
    warmup = min(args.steps // 10, 50)
    config = DPOConfig(
        output_dir=args.out + ".trainer", max_steps=args.steps, per_device_train_batch_size=args.batch,
        learning_rate=args.lr, beta=args.beta, loss_type=["sigmoid"], warmup_steps=warmup,
        lr_scheduler_type="cosine_with_min_lr", lr_scheduler_kwargs={"min_lr": args.lr / 10},
        adam_beta2=0.95, weight_decay=0.0, max_grad_norm=1.0, seed=args.seed, data_seed=args.seed,
        bf16=False, fp16=False, use_cpu=True, report_to=[], save_strategy="no", logging_steps=50,
        gradient_checkpointing=False, dataloader_num_workers=0,
        max_length=model.config.n_positions if hasattr(model.config, "n_positions") else None,
    )
    trainer = DPOTrainer(
        model=model, ref_model=reference, args=config, train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer)
    trainer.train()
    trainer.model.save_pretrained(args.out, safe_serialization=True)
    tokenizer.save_pretrained(args.out)
    print(f"saved {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
