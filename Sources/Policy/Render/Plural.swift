/// Counts in words, singular or plural as the number asks: "1 blocker", "2 blockers".
public enum Plural {
    /// `n` and the noun that agrees with it; `many` when the plural is not `one` + "s".
    public static func count(_ n: Int, _ one: String, _ many: String? = nil) -> String {
        "\(n) " + (n == 1 ? one : many ?? one + "s")
    }
}
