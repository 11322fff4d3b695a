/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, seedable generator. The simulator
/// uses it everywhere instead of `SystemRandomNumberGenerator`, so that one seed always
/// produces the same platform.
struct SplitMix64: RandomNumberGenerator {
    private(set) var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A generator for an independent stream, derived from a seed and a stream label.
    init(seed: UInt64, stream: UInt64) {
        state = SplitMix64.mix(seed ^ SplitMix64.mix(stream &+ 0x9E37_79B9_7F4A_7C15))
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 finalizer: a good 64-bit hash on its own.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1) from hashing some integers: the same inputs, the same value.
    /// Used for per-unit and per-day traits that must survive restarts (cloudiness, efficiency).
    static func unitHash(_ parts: UInt64...) -> Double {
        var h: UInt64 = 0x6A09_E667_F3BC_C909
        for part in parts { h = mix(h ^ mix(part)) }
        return Double(h >> 11) * 0x1.0p-53
    }
}
