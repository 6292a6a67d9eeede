#!/usr/bin/env python3
"""Writes the PEFT and reward-model fixtures TallyEngine's tests compare against (Tests/TallyEngineTests/Fixtures/).

Tally's tests never run Python: they read the small files this script commits. It builds on the tiny models
of scripts/make_engine_fixtures.py (Fixtures/gpt2-tiny, Fixtures/llama-tiny), so run that one first when
regenerating everything. From the repository root:

    pip install torch transformers peft safetensors
    python3 scripts/make_peft_fixtures.py

What it writes (every adapter's base_model_name_or_path is the base folder, relative to the adapter folder):

  Fixtures/peft-gpt2-lora/       a LoRA adapter saved by peft's save_pretrained on Fixtures/gpt2-tiny: r 4,
                                 lora_alpha 8, target_modules c_attn, c_proj, c_fc (every block projection;
                                 fan_in_fan_out true for GPT-2's Conv1D), random A and B; expected.json holds,
                                 for a few token sequences, the adapted model's logits at the last position and
                                 the sum of log p(next token) over the sequence, from PeftModel
  Fixtures/peft-llama-lora/      the same on Fixtures/llama-tiny with q/k/v/o/gate/up/down_proj, where q, k and v
                                 share one A and gate and up share one A (what Tally's fused adapters can hold)
  Fixtures/gpt2-reward/          a tiny GPT2ForSequenceClassification (num_labels 1, pad_token_id 0, the
                                 tokenizer's <|endoftext|>) from save_pretrained, its tokenizer.json, and
                                 expected.json: raw scores (score read at the last non-pad token, as
                                 transformers does) for a few sequences, and "tally_config": the config.json Tally
                                 writes for that model, checked here to load with
                                 AutoModelForSequenceClassification and give the same scores
  Fixtures/peft-gpt2-reward-lora/  a task_type SEQ_CLS adapter on Fixtures/gpt2-tiny (AutoModelForSequenceClassification
                                 with num_labels 1 on the causal-LM folder): c_attn adapted, the trained score head
                                 saved by peft as modules_to_save; expected.json: scores from PeftModel

The script also checks PEFT's module-matching rule that Tally's target_modules rely on: "attn.c_proj" adapts
GPT-2's attention output projection and not the MLP's c_proj.

Everything is seeded, so reruns give the same files for the same library versions.
"""

import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "TallyEngineTests", "Fixtures")
TOKENIZER = os.path.join(FIXTURES, "tokenizer", "tokenizer.json")

# Token sequences (no 0: that is <|endoftext|>, the reward model's pad token).
SEQUENCES = [
    [5, 17, 42, 99, 7, 250, 31, 12],
    [300, 2, 88, 19, 146],
    [61, 61, 4, 388, 203, 77, 150, 9, 14, 333],
]


def rounded(values, digits=6):
    return [float(f"{value:.{digits}g}") for value in values]


def write_json(path, data):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
        handle.write("\n")


def fresh_folder(name):
    folder = os.path.join(FIXTURES, name)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    return folder


def save_adapter(peft_model, folder, base_name):
    """save_pretrained, then point base_model_name_or_path at the base fixture relative to the adapter folder."""
    peft_model.save_pretrained(folder, safe_serialization=True)
    readme = os.path.join(folder, "README.md")
    if os.path.exists(readme):
        os.remove(readme)
    config_path = os.path.join(folder, "adapter_config.json")
    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    config["base_model_name_or_path"] = os.path.join("..", base_name)
    for key in ("target_modules", "modules_to_save"):  # sets in peft: sorted, so reruns write the same file
        if isinstance(config.get(key), list):
            config[key] = sorted(config[key])
    with open(config_path, "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=2, sort_keys=True)


def randomize_lora(peft_model, seed, scale=0.3, share=()):
    """Gives every lora_A and lora_B random values. Modules whose names end with one of a group in `share` get the
    A of the group's first module, as Tally's fused adapters need."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    modules = {name: module for name, module in peft_model.named_modules() if hasattr(module, "lora_A")}
    with torch.no_grad():
        for module in modules.values():
            for part in (module.lora_A["default"], module.lora_B["default"]):
                part.weight.copy_(scale * torch.randn(part.weight.shape, generator=generator))
        for group in share:
            for name, module in modules.items():
                if name.endswith("." + group[0]):
                    prefix = name[: -len(group[0])]
                    for other in group[1:]:
                        modules[prefix + other].lora_A["default"].weight.copy_(module.lora_A["default"].weight)


def language_model_expectations(model):
    import torch

    runs = []
    with torch.no_grad():
        for sequence in SEQUENCES:
            logits = model(input_ids=torch.tensor([sequence])).logits[0]
            log_probs = torch.log_softmax(logits.double(), dim=-1)
            total = sum(float(log_probs[t, sequence[t + 1]]) for t in range(len(sequence) - 1))
            runs.append({"ids": sequence, "last_logits": rounded(logits[-1].tolist()), "sequence_log_prob": total})
    return runs


def make_lora_fixture(name, base_name, target_modules, share, seed):
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM

    base_folder = os.path.join(FIXTURES, base_name)
    base = AutoModelForCausalLM.from_pretrained(base_folder, dtype=torch.float32)
    base.eval()
    config = LoraConfig(
        r=4, lora_alpha=8, lora_dropout=0.0, target_modules=target_modules, task_type="CAUSAL_LM",
        fan_in_fan_out=base.config.model_type == "gpt2",
    )
    model = get_peft_model(base, config)
    randomize_lora(model, seed, share=share)
    model.eval()
    folder = fresh_folder(name)
    save_adapter(model, folder, base_name)
    runs = language_model_expectations(model)

    # The saved adapter, loaded the way a user would, computes the same.
    fresh_base = AutoModelForCausalLM.from_pretrained(base_folder, dtype=torch.float32)
    reloaded = PeftModel.from_pretrained(fresh_base, folder)
    reloaded.eval()
    for run, again in zip(runs, language_model_expectations(reloaded)):
        assert run["last_logits"] == again["last_logits"], "the reloaded adapter computes something else"
    with torch.no_grad():
        plain = AutoModelForCausalLM.from_pretrained(base_folder, dtype=torch.float32)(
            input_ids=torch.tensor([SEQUENCES[0]])).logits[0, -1]
    change = max(abs(a - b) for a, b in zip(plain.tolist(), runs[0]["last_logits"]))
    assert change > 0.1, f"the adapter barely changes the logits ({change})"
    write_json(os.path.join(folder, "expected.json"), {"runs": runs})
    print(f"wrote {folder} (the adapter moves the last logits by up to {change:.3f})")


def score_expectations(model, pad_token_id):
    """Scores alone and in one right-padded batch; they must agree."""
    import torch

    alone = []
    with torch.no_grad():
        for sequence in SEQUENCES:
            alone.append(float(model(input_ids=torch.tensor([sequence])).logits[0, 0]))
        width = max(len(s) for s in SEQUENCES)
        ids = torch.tensor([s + [pad_token_id] * (width - len(s)) for s in SEQUENCES])
        mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in SEQUENCES])
        batched = model(input_ids=ids, attention_mask=mask).logits[:, 0].tolist()
    for a, b in zip(alone, batched):
        assert abs(a - b) < 1e-5, f"padded batch scores {b}, alone {a}"
    return alone


def tally_reward_config(model_config, pad_token_id):
    """The config.json Tally writes for this model once loaded (ModelConfig's keys, tie_word_embeddings as read,
    explicit null bos/eos, and the sequence-classification keys of HuggingFaceConfig.forSequenceClassification)."""
    return {
        "activation_function": "gelu_new",
        "architectures": ["GPT2ForSequenceClassification"],
        "bos_token_id": None,
        "eos_token_id": None,
        "id2label": {"0": "LABEL_0"},
        "label2id": {"LABEL_0": 0},
        "layer_norm_epsilon": model_config.layer_norm_epsilon,
        "model_type": "gpt2",
        "n_embd": model_config.n_embd,
        "n_head": model_config.n_head,
        "n_layer": model_config.n_layer,
        "n_positions": model_config.n_positions,
        "num_labels": 1,
        "pad_token_id": pad_token_id,
        "tie_word_embeddings": True,
        "vocab_size": model_config.vocab_size,
    }


def make_reward_fixture(vocab_size, pad_token_id):
    import torch
    from transformers import AutoModelForSequenceClassification, GPT2Config, GPT2ForSequenceClassification

    torch.manual_seed(4321)
    model = GPT2ForSequenceClassification(GPT2Config(
        vocab_size=vocab_size, n_positions=32, n_embd=16, n_layer=2, n_head=2, initializer_range=0.3,
        num_labels=1, pad_token_id=pad_token_id, bos_token_id=None, eos_token_id=None,
    ))
    model.eval()
    folder = fresh_folder("gpt2-reward")
    model.save_pretrained(folder, safe_serialization=True)
    shutil.copy(TOKENIZER, os.path.join(folder, "tokenizer.json"))
    generation_config = os.path.join(folder, "generation_config.json")
    if os.path.exists(generation_config):
        os.remove(generation_config)
    scores = score_expectations(model, pad_token_id)
    assert max(scores) - min(scores) > 0.1, "the scores are too close to tell apart"

    # The config Tally writes loads as a one-label sequence classifier and scores the same.
    tally_config = tally_reward_config(model.config, pad_token_id)
    check = os.path.join(FIXTURES, ".tally-config-check")
    shutil.rmtree(check, ignore_errors=True)
    shutil.copytree(folder, check)
    with open(os.path.join(check, "config.json"), "w", encoding="utf-8") as handle:
        json.dump(tally_config, handle)
    reloaded = AutoModelForSequenceClassification.from_pretrained(check)
    reloaded.eval()
    shutil.rmtree(check)
    assert type(reloaded).__name__ == "GPT2ForSequenceClassification"
    assert reloaded.config.num_labels == 1 and tuple(reloaded.score.weight.shape) == (1, 16)
    for a, b in zip(scores, score_expectations(reloaded, pad_token_id)):
        assert abs(a - b) < 1e-6, "Tally's config.json changes the scores"

    write_json(os.path.join(folder, "expected.json"), {
        "pad_token_id": pad_token_id,
        "runs": [{"ids": s, "score": score} for s, score in zip(SEQUENCES, scores)],
        "tally_config": tally_config,
    })
    print(f"wrote {folder}")


def make_reward_lora_fixture():
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForSequenceClassification

    base_folder = os.path.join(FIXTURES, "gpt2-tiny")
    torch.manual_seed(99)
    base = AutoModelForSequenceClassification.from_pretrained(base_folder, num_labels=1, pad_token_id=0)
    model = get_peft_model(base, LoraConfig(
        r=2, lora_alpha=4, lora_dropout=0.0, target_modules=["c_attn"], task_type="SEQ_CLS", fan_in_fan_out=True,
    ))
    randomize_lora(model, 7)
    with torch.no_grad():
        head = model.base_model.model.score.modules_to_save["default"].weight
        head.copy_(0.5 * torch.randn(head.shape, generator=torch.Generator().manual_seed(8)))
    model.eval()
    folder = fresh_folder("peft-gpt2-reward-lora")
    save_adapter(model, folder, "gpt2-tiny")
    scores = score_expectations(model, 0)

    fresh = AutoModelForSequenceClassification.from_pretrained(base_folder, num_labels=1, pad_token_id=0)
    reloaded = PeftModel.from_pretrained(fresh, folder)
    reloaded.eval()
    for a, b in zip(scores, score_expectations(reloaded, 0)):
        assert abs(a - b) < 1e-6, "the reloaded adapter scores differently"
    from safetensors import safe_open

    with safe_open(os.path.join(folder, "adapter_model.safetensors"), "pt") as handle:
        assert "base_model.model.score.weight" in handle.keys(), sorted(handle.keys())
    write_json(os.path.join(folder, "expected.json"), {
        "pad_token_id": 0,
        "runs": [{"ids": s, "score": score} for s, score in zip(SEQUENCES, scores)],
    })
    print(f"wrote {folder}")


def check_target_module_rule():
    """Tally writes "attn.c_proj" / "mlp.c_proj" when only one of GPT-2's two c_proj is adapted."""
    from peft import LoraConfig, get_peft_model
    from transformers import GPT2Config, GPT2LMHeadModel

    model = GPT2LMHeadModel(GPT2Config(vocab_size=16, n_positions=8, n_embd=8, n_layer=1, n_head=2))
    model = get_peft_model(model, LoraConfig(r=2, target_modules=["attn.c_proj", "c_fc"], fan_in_fan_out=True))
    adapted = sorted(name for name, module in model.named_modules() if hasattr(module, "lora_A"))
    assert adapted == [
        "base_model.model.transformer.h.0.attn.c_proj",
        "base_model.model.transformer.h.0.mlp.c_fc",
    ], adapted


def main():
    import peft
    import torch
    import transformers
    from tokenizers import Tokenizer

    torch.set_grad_enabled(False)
    tokenizer = Tokenizer.from_file(TOKENIZER)
    pad_token_id = tokenizer.token_to_id("<|endoftext|>")
    assert pad_token_id == 0 and all(0 not in s for s in SEQUENCES)
    check_target_module_rule()
    make_lora_fixture("peft-gpt2-lora", "gpt2-tiny", ["c_attn", "c_proj", "c_fc"], share=(), seed=11)
    make_lora_fixture(
        "peft-llama-lora", "llama-tiny",
        ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        share=(("q_proj", "k_proj", "v_proj"), ("gate_proj", "up_proj")), seed=12)
    make_reward_fixture(tokenizer.get_vocab_size(), pad_token_id)
    make_reward_lora_fixture()
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}")


if __name__ == "__main__":
    sys.exit(main())
