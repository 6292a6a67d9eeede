#include "EngineKernels.h"

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__) && defined(__linux__)
#define WIDEST_VECTORS __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define WIDEST_VECTORS
#endif

static const float gelu_scale = 0.7978845608028654f;  // √(2/π)
static const float gelu_cubic = 0.044715f;

// e^x: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-7 Taylor polynomial (relative error below 1e-7),
// 2^n built in the exponent bits. Inputs are clamped to where fp32 e^x is normal. Written without branches
// or calls so that loops over it vectorise.
static inline float exp_approx(float x) {
    x = x > 88.0f ? 88.0f : x;
    x = x < -87.0f ? -87.0f : x;
    const float shifter = 12582912.0f;  // 1.5·2^23: adding it rounds to an integer held in the low bits
    float t = x * 1.44269504f + shifter;
    float n = t - shifter;
    float r = x - n * 0.693145751953125f - n * 1.428606765330187e-6f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    uint32_t bits;
    memcpy(&bits, &t, sizeof bits);
    bits = (bits - 0x4B400000u + 127u) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

// tanh from e = e^(−2|x|): tanh|x| = (1 − e)/(1 + e), with x's sign put back.
static inline float tanh_approx(float x) {
    float magnitude = x < 0 ? -x : x;
    float e = exp_approx(-2.0f * magnitude);
    float t = (1.0f - e) / (1.0f + e);
    return x < 0 ? -t : t;
}

WIDEST_VECTORS
void tally_gelu_forward(float *out, const float *inp, long count) {
    for (long i = 0; i < count; i++) {
        float x = inp[i];
        float t = tanh_approx(gelu_scale * (x + gelu_cubic * x * x * x));
        out[i] = 0.5f * x * (1.0f + t);
    }
}

WIDEST_VECTORS
void tally_gelu_backward(float *dinp, const float *inp, const float *dout, long count) {
    for (long i = 0; i < count; i++) {
        float x = inp[i];
        float t = tanh_approx(gelu_scale * (x + gelu_cubic * x * x * x));
        float slope = gelu_scale * (1.0f + 3.0f * gelu_cubic * x * x);
        float derivative = 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * slope;
        dinp[i] = derivative * dout[i];
    }
}

WIDEST_VECTORS
void tally_adamw_update(
    float *p, const float *g, float *m, float *v, long count, float lr, float beta1, float beta2,
    float correction1, float correction2, float epsilon, float decay) {
    for (long i = 0; i < count; i++) {
        float grad = g[i];
        float mi = beta1 * m[i] + (1.0f - beta1) * grad;
        float vi = beta2 * v[i] + (1.0f - beta2) * grad * grad;
        m[i] = mi;
        v[i] = vi;
        float update = (mi / correction1) / (__builtin_sqrtf(vi / correction2) + epsilon);
        p[i] -= lr * update + decay * p[i];
    }
}
