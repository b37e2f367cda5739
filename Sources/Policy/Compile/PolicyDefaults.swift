/// Defaults that normalization fills in, which a repository's `policyops.json` may change.
public struct PolicyDefaults: Sendable, Hashable {
    /// `suppression_window` when a spec leaves it out: 5 minutes.
    public var suppressionWindow: PolicyDuration
    /// `idempotency_window` when a spec leaves it out: 10 minutes.
    public var idempotencyWindow: PolicyDuration

    /// The defaults of SPEC section 3.
    public static let standard = PolicyDefaults(suppressionWindow: PolicyDuration(seconds: 300),
                                                idempotencyWindow: PolicyDuration(seconds: 600))

    /// Creates defaults.
    public init(suppressionWindow: PolicyDuration, idempotencyWindow: PolicyDuration) {
        self.suppressionWindow = suppressionWindow
        self.idempotencyWindow = idempotencyWindow
    }
}
