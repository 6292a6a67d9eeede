#ifndef TALLY_ENGINE_KERNELS_H
#define TALLY_ENGINE_KERNELS_H

// Elementwise kernels of the engine (GELU, AdamW) that run best with the widest vectors the CPU has.
// Each is compiled for AVX-512, for AVX2 with FMA and for baseline x86-64, and the loader picks the best
// the CPU runs (other systems and architectures get one portable build).

/// out[i] = ½x(1 + tanh(√(2/π)(x + 0.044715x³))) for x = inp[i], i < count.
void tally_gelu_forward(float *out, const float *inp, long count);

/// dinp[i] = dout[i] · GELU′(inp[i]), i < count (dinp may be dout).
void tally_gelu_backward(float *dinp, const float *inp, const float *dout, long count);

/// One AdamW update of `count` parameters p from gradients g, with moment estimates m and v updated in
/// place: m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g², p −= lr·(m/c1)/(√(v/c2) + ε) + decay·p, where c1 and
/// c2 are the bias corrections 1 − βᵗ and decay = lr·λ (0 for tensors without weight decay).
void tally_adamw_update(
    float *p, const float *g, float *m, float *v, long count, float lr, float beta1, float beta2,
    float correction1, float correction2, float epsilon, float decay);

#endif
