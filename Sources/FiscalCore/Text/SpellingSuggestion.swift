/// The known name nearest to a misspelt one, for messages that end "did you mean …?".
///
/// Used wherever unknown names are refused (connector.toml keys, invoice fields in JSON, CSV and
/// text), so a typo is answered with the intended name instead of being ignored.
public enum SpellingSuggestion {
    /// The name in `candidates` closest to `name`, ignoring case, `_` and `-`: at most one edit
    /// (insertion, deletion, substitution or swap of two neighbours) per three characters, at most
    /// three; `nil` when none is that close. Ties go to the earlier candidate.
    public static func nearest(to name: String, among candidates: some Sequence<String>) -> String? {
        let target = folded(name)
        let allowed = min(3, max(1, target.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(target, folded(candidate))
            if distance <= allowed, distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    private static func folded(_ name: String) -> [Character] {
        Array(name.lowercased().filter { $0 != "_" && $0 != "-" })
    }

    /// Optimal-string-alignment distance: Levenshtein plus the swap of two adjacent characters
    /// (`Precent` → `Percent` is one edit).
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
