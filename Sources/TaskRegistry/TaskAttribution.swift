/// The request a task was started for, inherited by every task it spawns, so that a
/// leaked task names the request, route and trace that leaked it.
///
/// Kept apart from a task's own labels in its slot (no label array grows per child);
/// readers see it as the labels `route`, `request_id` and `trace_id` after the task's own.
public struct TaskAttribution: Sendable, Hashable {
    /// The request's route template, such as `/api/v1/order/map`.
    public var route: String
    /// The request's `X-Request-Id`.
    public var requestID: String
    /// The request's trace when it was sampled, else `.none`.
    public var traceID: TaskTraceID

    /// An attribution to the request with these labels.
    public init(route: String, requestID: String, traceID: TaskTraceID = .none) {
        self.route = route
        self.requestID = requestID
        self.traceID = traceID
    }

    /// `labels` followed by the attribution's, skipping a key `labels` already has (one
    /// pass over the labels: readers call this for every child of 100,000).
    func appended(to labels: TaskLabels) -> TaskLabels {
        var hasRoute = false, hasRequestID = false, hasTraceID = false
        for (key, _) in labels {
            switch key {
            case "route": hasRoute = true
            case "request_id": hasRequestID = true
            case "trace_id": hasTraceID = true
            default: break
            }
        }
        var merged = labels
        if !hasRoute { merged.append("route", route) }
        if !hasRequestID { merged.append("request_id", requestID) }
        if !traceID.isNone, !hasTraceID { merged.append("trace_id", traceID.hex) }
        return merged
    }
}

/// Why an entry is an orphan: the request it was started for ended while it still ran.
///
/// A task that outlives its request is a leak by definition (nothing is left to await
/// it), so it is marked at the moment the request ends, with no threshold. The request's
/// route and id are in the task's `TaskAttribution`.
public struct TaskOrphaning: Sendable, Hashable {
    /// When the request ended.
    public var orphanedAt: TaskInstant
    /// The status the request answered with (0 if it ended without one).
    public var requestStatus: UInt16

    /// An orphaning at `orphanedAt` by a request that answered `requestStatus`.
    public init(orphanedAt: TaskInstant, requestStatus: UInt16) {
        self.orphanedAt = orphanedAt
        self.requestStatus = requestStatus
    }
}
