/// "Did you mean": the known key nearest to a mistyped one. Cheap on purpose: edit distance
/// over a few dozen keys, plus matching by the last part (`batch_size` → `apply.batch_size`)
/// and by environment name (`HELIO_BATCH_SIZE` → `apply.batch_size`).
enum KeySuggestion {
    static func closest(to typed: String) -> String? {
        let candidates = HelioConfiguration.keys.flatMap { key in
            key.shape == .passthrough ? [key.path] : [key.path, key.filePath]
        }
        let lowered = typed.lowercased()
        if let byEnvironment = HelioConfiguration.keys.first(where: { $0.environmentName.lowercased() == lowered }) {
            return byEnvironment.path
        }
        let last = lowered.split(separator: ".").last.map(String.init) ?? lowered
        let sameLast = candidates.filter { $0.split(separator: ".").last.map(String.init) == last }
        if sameLast.count == 1 { return sameLast[0] }
        let scored = candidates.map { ($0, distance(lowered, $0)) }.min { $0.1 < $1.1 }
        guard let (best, score) = scored, score <= max(2, typed.count / 4) else { return nil }
        return best
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
