import Foundation

// LayerNorm (GPT-2) and RMSNorm (Llama) over the last dimension, with their backward passes.
// The forward keeps per-row statistics (mean, 1/σ) so the backward never recomputes them.

/// out = (x − mean)/σ · weight + bias per row of `channels`; stores mean and rstd = 1/σ per row.
func layerNormForward(
    _ out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
    _ inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    rows: Int, channels: Int, epsilon: Float
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.normalization, profileStart) }
    parallelRanges(rows, minimumPerThread: 8) { range in
        for row in range {
            let x = inp + row * channels
            let y = out + row * channels
            let m = sum(x, channels) / Float(channels)
            var variance: Float = 0
            for i in 0..<channels {
                let d = x[i] - m
                variance += d * d
            }
            let s = 1 / (variance / Float(channels) + epsilon).squareRoot()
            for i in 0..<channels { y[i] = (x[i] - m) * s * weight[i] + bias[i] }
            mean[row] = m
            rstd[row] = s
        }
    }
}

/// Backward of ``layerNormForward``: dinp += ∂, dweight += Σ dout·x̂, dbias += Σ dout.
/// `scratch` holds 2·channels floats per thread for the weight and bias reductions.
func layerNormBackward(
    dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?,
    dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, channels: Int,
    scratch: UnsafeMutablePointer<Float>
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.normalization, profileStart) }
    let threads = sliceCount(rows, minimumPerThread: 8)
    scratch.initialize(repeating: 0, count: 2 * channels * threads)
    parallelSlices(rows, minimumPerThread: 8) { range, thread in
        let partialWeight = scratch + 2 * channels * thread
        let partialBias = partialWeight + channels
        for row in range {
            let x = inp + row * channels
            let g = dout + row * channels
            let dx = dinp + row * channels
            let m = mean[row]
            let s = rstd[row]
            var meanNorm: Float = 0
            var meanNormTimesHat: Float = 0
            for i in 0..<channels {
                let hat = (x[i] - m) * s
                let dnorm = weight[i] * g[i]
                meanNorm += dnorm
                meanNormTimesHat += dnorm * hat
                partialBias[i] += g[i]
                partialWeight[i] += hat * g[i]
            }
            meanNorm /= Float(channels)
            meanNormTimesHat /= Float(channels)
            for i in 0..<channels {
                let hat = (x[i] - m) * s
                let dnorm = weight[i] * g[i]
                dx[i] += s * (dnorm - meanNorm - hat * meanNormTimesHat)
            }
        }
    }
    for thread in 0..<threads {
        if let dweight { addScaled(dweight, scratch + 2 * channels * thread, channels) }
        if let dbias { addScaled(dbias, scratch + 2 * channels * thread + channels, channels) }
    }
}

/// out = x / rms(x) · weight per row, rms(x) = √(mean(x²) + ε); stores rstd = 1/rms per row.
func rmsNormForward(
    _ out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
    weight: UnsafePointer<Float>, rows: Int, channels: Int, epsilon: Float
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.normalization, profileStart) }
    parallelRanges(rows, minimumPerThread: 8) { range in
        for row in range {
            let x = inp + row * channels
            let y = out + row * channels
            let s = 1 / (dotProduct(x, x, channels) / Float(channels) + epsilon).squareRoot()
            for i in 0..<channels { y[i] = x[i] * s * weight[i] }
            rstd[row] = s
        }
    }
}

/// Backward of ``rmsNormForward``: dinp += ∂, dweight += Σ dout·x̂. `scratch`: channels floats per thread.
func rmsNormBackward(
    dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>,
    inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, channels: Int,
    scratch: UnsafeMutablePointer<Float>
) {
    let profileStart = EngineProfile.start()
    defer { EngineProfile.stop(.normalization, profileStart) }
    let threads = sliceCount(rows, minimumPerThread: 8)
    scratch.initialize(repeating: 0, count: channels * threads)
    parallelSlices(rows, minimumPerThread: 8) { range, thread in
        let partialWeight = scratch + channels * thread
        for row in range {
            let x = inp + row * channels
            let g = dout + row * channels
            let dx = dinp + row * channels
            let s = rstd[row]
            var meanNormTimesHat: Float = 0
            for i in 0..<channels {
                let hat = x[i] * s
                meanNormTimesHat += weight[i] * g[i] * hat
                partialWeight[i] += hat * g[i]
            }
            meanNormTimesHat /= Float(channels)
            for i in 0..<channels {
                dx[i] += s * (weight[i] * g[i] - x[i] * s * meanNormTimesHat)
            }
        }
    }
    if let dweight {
        for thread in 0..<threads { addScaled(dweight, scratch + channels * thread, channels) }
    }
}
