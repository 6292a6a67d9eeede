import Foundation

/// Newton's method for the Bradley–Terry log-likelihood on pair counts, in natural-log odds units (β).
///
/// Maximises, over β (one per model),
///
///     L(β) = Σ_pairs [ s·log σ(β_i − β_j) + (n − s)·log σ(β_j − β_i) ] − (λ/2)·Σ β²
///
/// where a pair (i, j) met n times and i scored s = wins + ties/2, σ(x) = 1/(1 + e^−x), and
/// λ = ``BradleyTerry/ridgePerBattle`` × battles. Each iteration solves (A + μ·J) δ = ∇L by Cholesky, where
/// A = −∇²L = Σ n·p(1−p)·(e_i − e_j)(e_i − e_j)ᵀ + λI and J holds a block of ones per connected group of models:
/// the likelihood cannot see a shift of a group's β, so μ·J pins that direction (the gradient has no part
/// along it) and the system stays well conditioned however small λ is. A backtracking line search keeps every
/// step uphill, and each group's β is re-centred on 0 after each step (the optimum's group means are 0).
/// Work per iteration: O(pairs + models³), independent of the number of battles.
struct BradleyTerrySolver {
    let modelCount: Int
    let low: [Int32]
    let high: [Int32]
    /// Stop when no β moves by more than this (1e-10 logits ≈ 2e-8 rating points).
    static let tolerance = 1e-10
    static let maximumIterations = 100

    private var system: [Double]
    private var gradient: [Double]
    private var step: [Double]
    private var trial: [Double]
    private var group: [Int]
    private var groupSize: [Int]

    init(_ pairs: PairCounts) {
        modelCount = pairs.modelCount
        low = pairs.low
        high = pairs.high
        system = [Double](repeating: 0, count: modelCount * modelCount)
        gradient = [Double](repeating: 0, count: modelCount)
        step = gradient
        trial = gradient
        group = [Int](repeating: 0, count: modelCount)
        groupSize = group
    }

    /// Fits β to `counts` (pairs × 3 cells: low won, tie, high won), starting from `beta`; returns the number
    /// of Newton iterations taken.
    @discardableResult
    mutating func fit(counts: UnsafeBufferPointer<Double>, beta: inout [Double]) -> Int {
        let battles = counts.reduce(0, +)
        guard battles > 0 else {
            for index in beta.indices { beta[index] = 0 }
            return 0
        }
        let ridge = BradleyTerry.ridgePerBattle * battles
        findGroups(counts)
        center(&beta)
        var value = objective(counts, beta, ridge: ridge)
        for iteration in 1...Self.maximumIterations {
            buildSystem(counts, beta, ridge: ridge)
            solve()
            var scale = 1.0
            var accepted = false
            for _ in 0..<40 {
                for index in 0..<modelCount { trial[index] = beta[index] + scale * step[index] }
                center(&trial)
                let candidate = objective(counts, trial, ridge: ridge)
                if candidate >= value - 1e-13 * (1 + abs(value)) {
                    value = candidate
                    accepted = true
                    break
                }
                scale *= 0.5
            }
            var largest = 0.0
            for index in 0..<modelCount { largest = max(largest, abs(scale * step[index])) }
            if accepted { swap(&beta, &trial) }
            if !accepted || largest < Self.tolerance { return iteration }
        }
        return Self.maximumIterations
    }

    /// The penalised log-likelihood L(β).
    private func objective(_ counts: UnsafeBufferPointer<Double>, _ beta: [Double], ridge: Double) -> Double {
        var total = 0.0
        for pair in 0..<low.count {
            let cell = pair * PairCounts.cellsPerPair
            let lowWon = counts[cell]
            let ties = counts[cell + 1]
            let highWon = counts[cell + 2]
            if lowWon + ties + highWon == 0 { continue }
            let difference = beta[Int(low[pair])] - beta[Int(high[pair])]
            let lowScore = lowWon + 0.5 * ties
            let highScore = highWon + 0.5 * ties
            total -= lowScore * Self.softplus(-difference) + highScore * Self.softplus(difference)
        }
        var squares = 0.0
        for value in beta { squares += value * value }
        return total - 0.5 * ridge * squares
    }

    /// Fills `gradient` with ∇L and `system` with A + μ·J (row-major).
    private mutating func buildSystem(_ counts: UnsafeBufferPointer<Double>, _ beta: [Double], ridge: Double) {
        let size = modelCount
        for index in 0..<size * size { system[index] = 0 }
        for index in 0..<size { gradient[index] = -ridge * beta[index] }
        for pair in 0..<low.count {
            let cell = pair * PairCounts.cellsPerPair
            let battles = counts[cell] + counts[cell + 1] + counts[cell + 2]
            if battles == 0 { continue }
            let i = Int(low[pair])
            let j = Int(high[pair])
            let probability = 1 / (1 + exp(beta[j] - beta[i]))
            let residual = counts[cell] + 0.5 * counts[cell + 1] - battles * probability
            gradient[i] += residual
            gradient[j] -= residual
            let weight = battles * probability * (1 - probability)
            system[i * size + i] += weight
            system[j * size + j] += weight
            system[i * size + j] -= weight
            system[j * size + i] -= weight
        }
        var diagonal = 0.0
        for index in 0..<size {
            system[index * size + index] += ridge
            diagonal += system[index * size + index]
        }
        let pin = max(diagonal / Double(size), 1e-300)
        for i in 0..<size {
            for j in 0..<size where group[i] == group[j] { system[i * size + j] += pin }
        }
    }

    /// Solves `system · step = gradient` by Cholesky factorisation (the matrix is symmetric positive definite).
    private mutating func solve() {
        let size = modelCount
        system.withUnsafeMutableBufferPointer { a in
            for column in 0..<size {
                var pivot = a[column * size + column]
                for k in 0..<column { pivot -= a[column * size + k] * a[column * size + k] }
                let root = pivot > 0 ? pivot.squareRoot() : 1e-150
                a[column * size + column] = root
                for row in (column + 1)..<max(column + 1, size) {
                    var value = a[row * size + column]
                    for k in 0..<column { value -= a[row * size + k] * a[column * size + k] }
                    a[row * size + column] = value / root
                }
            }
            for row in 0..<size {
                var value = gradient[row]
                for k in 0..<row { value -= a[row * size + k] * step[k] }
                step[row] = value / a[row * size + row]
            }
            for row in stride(from: size - 1, through: 0, by: -1) {
                var value = step[row]
                for k in (row + 1)..<max(row + 1, size) { value -= a[k * size + row] * step[k] }
                step[row] = value / a[row * size + row]
            }
        }
    }

    /// Groups models connected by battles with a non-zero count (union–find).
    private mutating func findGroups(_ counts: UnsafeBufferPointer<Double>) {
        for index in 0..<modelCount { group[index] = index }
        func root(_ index: Int) -> Int {
            var current = index
            while group[current] != current {
                group[current] = group[group[current]]
                current = group[current]
            }
            return current
        }
        for pair in 0..<low.count {
            let cell = pair * PairCounts.cellsPerPair
            if counts[cell] + counts[cell + 1] + counts[cell + 2] == 0 { continue }
            let a = root(Int(low[pair]))
            let b = root(Int(high[pair]))
            if a != b { group[max(a, b)] = min(a, b) }
        }
        for index in 0..<modelCount { group[index] = root(index) }
        for index in 0..<modelCount { groupSize[index] = 0 }
        for index in 0..<modelCount { groupSize[group[index]] += 1 }
    }

    /// Shifts each group's β to mean 0.
    private func center(_ beta: inout [Double]) {
        var sums = [Double](repeating: 0, count: modelCount)
        for index in 0..<modelCount { sums[group[index]] += beta[index] }
        for index in 0..<modelCount { beta[index] -= sums[group[index]] / Double(groupSize[group[index]]) }
    }

    /// log(1 + e^x) without overflow.
    static func softplus(_ x: Double) -> Double {
        max(x, 0) + log1p(exp(-abs(x)))
    }
}
