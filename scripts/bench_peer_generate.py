"""Hugging Face peer for `tally bench engine` generation: GPT2LMHeadModel.generate with its KV cache,
8-token prompt, 64 new tokens, multinomial sampling, batch 1 and 8.

    pip install torch transformers && python3 scripts/bench_peer_generate.py tiny small bpe
"""
import sys, time, torch
from transformers import GPT2Config, GPT2LMHeadModel
torch.set_num_threads(2)
configs = {"tiny": (65, 64, 4, 4, 128), "small": (65, 256, 6, 6, 384), "bpe": (8192, 256, 4, 4, 256)}
for name in sys.argv[1:]:
    V, T, L, H, C = configs[name]
    m = GPT2LMHeadModel(GPT2Config(vocab_size=V, n_positions=T, n_layer=L, n_head=H, n_embd=C, bos_token_id=0, eos_token_id=V - 1)).eval()
    for B in (1, 8):
        x = torch.randint(0, V, (B, 8))
        kw = dict(max_new_tokens=min(64, T - 8), min_new_tokens=min(64, T - 8), do_sample=True, top_k=0, pad_token_id=0)
        with torch.no_grad():
            m.generate(x, **kw)
            rates = []
            for _ in range(3):
                t0 = time.time(); m.generate(x, **kw); rates.append(B * min(64, T - 8) / (time.time() - t0))
        print(name, "hf gen b%d tok/s" % B, round(sorted(rates)[1]))
