"""PyTorch peer for `tally bench engine`: training tokens/s of a plain GPT of the engine benchmark's shapes.

Run beside the engine benchmark in the same session and compare as ratios:
    pip install torch && python3 scripts/bench_peer_train.py tiny small bpe
"""
import math, sys, time, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(2)
configs = {"tiny": (65, 64, 4, 4, 128, 12), "small": (65, 256, 6, 6, 384, 8), "bpe": (8192, 256, 4, 4, 256, 8)}
class Block(nn.Module):
    def __init__(s, C, H):
        super().__init__(); s.H = H
        s.ln1 = nn.LayerNorm(C); s.attn = nn.Linear(C, 3 * C); s.proj = nn.Linear(C, C)
        s.ln2 = nn.LayerNorm(C); s.fc = nn.Linear(C, 4 * C); s.fcp = nn.Linear(4 * C, C)
    def forward(s, x):
        B, T, C = x.shape
        q, k, v = s.attn(s.ln1(x)).split(C, dim=2)
        q, k, v = [t.view(B, T, s.H, C // s.H).transpose(1, 2) for t in (q, k, v)]
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, C)
        x = x + s.proj(y)
        return x + s.fcp(F.gelu(s.fc(s.ln2(x)), approximate="tanh"))
class GPT(nn.Module):
    def __init__(s, V, T, L, H, C):
        super().__init__()
        s.wte = nn.Embedding(V, C); s.wpe = nn.Embedding(T, C)
        s.h = nn.ModuleList([Block(C, H) for _ in range(L)]); s.lnf = nn.LayerNorm(C)
    def forward(s, idx, tgt):
        x = s.wte(idx) + s.wpe(torch.arange(idx.shape[1]))
        for b in s.h: x = b(x)
        logits = s.lnf(x) @ s.wte.weight.t()
        return F.cross_entropy(logits.view(-1, logits.size(-1)), tgt.view(-1))
for name in sys.argv[1:]:
    V, T, L, H, C, B = configs[name]
    m = GPT(V, T, L, H, C); opt = torch.optim.AdamW(m.parameters(), lr=1e-3)
    x = torch.randint(0, V, (B, T)); y = torch.randint(0, V, (B, T))
    def step():
        opt.zero_grad(set_to_none=True); loss = m(x, y); loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
    step(); steps = 10; t0 = time.time()
    for _ in range(steps): step()
    print(name, "torch train tok/s", round(steps * B * T / (time.time() - t0)))
