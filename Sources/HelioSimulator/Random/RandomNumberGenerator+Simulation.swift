import Foundation

/// Draws the simulator needs, written out so their results do not depend on the standard
/// library's algorithms (which may change between releases and break determinism).
extension RandomNumberGenerator {
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in a range of doubles.
    mutating func double(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * unit()
    }

    /// Uniform integer in a closed range (multiply-shift; the bias is far below what matters here).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next().multipliedFullWidth(by: width).high)
    }

    /// Uniform index below `count` (count > 0).
    mutating func index(_ count: Int) -> Int { int(0...(count - 1)) }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// One element, uniformly.
    mutating func pick<T>(_ items: [T]) -> T { items[index(items.count)] }

    /// One element, with probability proportional to its weight.
    mutating func pick<T>(_ items: [T], weight: (T) -> Double) -> T {
        let total = items.reduce(0) { $0 + weight($1) }
        var target = unit() * total
        for item in items {
            target -= weight(item)
            if target < 0 { return item }
        }
        return items[items.count - 1]
    }

    /// Approximately normal noise (Irwin–Hall of 4 uniforms), mean 0, standard deviation `sd`.
    mutating func noise(sd: Double) -> Double {
        let sum = unit() + unit() + unit() + unit()
        return (sum - 2) * sd * 1.7320508075688772 // sqrt(12 / 4)
    }

    /// A Poisson count with mean `lambda` (Knuth; lambda stays small here).
    mutating func poisson(_ lambda: Double) -> Int {
        guard lambda > 0 else { return 0 }
        if lambda > 30 { return max(0, Int((lambda + noise(sd: lambda.squareRoot())).rounded())) }
        let limit = exp(-lambda)
        var product = unit()
        var count = 0
        while product > limit {
            count += 1
            product *= unit()
        }
        return count
    }

    /// A string of `count` decimal digits.
    mutating func digits(_ count: Int) -> String {
        String((0..<count).map { _ in Character(String(int(0...9))) })
    }
}
