/// Why a safe parameter lookup failed: the `reason` label of `param_lookup_failures_total`.
public enum ParamFailureReason: String, Sendable, Hashable, CaseIterable {
    /// The parameter was absent from the path or query.
    case missing
    /// The parameter was present but did not parse as the requested type.
    case invalid
}
