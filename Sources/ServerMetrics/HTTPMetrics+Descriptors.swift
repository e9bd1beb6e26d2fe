import Prometheus

extension HTTPMetrics {
    /// Names and help texts, in one place so that every registration of a family agrees
    /// (the registry traps on a help-text mismatch). Computed, because `MetricNameDescriptor`
    /// is not `Sendable` and so cannot be a stored static.
    enum Descriptors {
        static var duration: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "http", metricName: "request_duration", unitName: "seconds",
                helpText: "Time from a request's arrival to its response, by route template, method and status code."
            )
        }
        static var inFlight: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "http", metricName: "requests_in_flight", unitName: "",
                helpText: "Requests that have started and not yet finished."
            )
        }
        static var paramFailures: MetricNameDescriptor {
            MetricNameDescriptor(
                metricName: "param_lookup_failures", unitName: "total",
                helpText: "Safe parameter lookups that failed, by route template, parameter and reason (missing or invalid)."
            )
        }
        static var recoveredPanics: MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "http", metricName: "recovered_panics", unitName: "total",
                helpText: "Errors that escaped a handler and were answered with a 500, by route template and error type."
            )
        }
    }

    /// The `method` label for a request method: the standard methods as they are, anything
    /// else as `OTHER`, so that a client cannot mint series by sending made-up methods.
    static func methodLabel(_ method: String) -> String {
        switch method {
        case "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH":
            return method
        default:
            return "OTHER"
        }
    }

    /// The `code` label for a status code. Codes outside 100...599 cannot come from a
    /// correct server; they share one label value rather than each making a series.
    static func codeLabel(_ status: Int) -> String {
        (100...599).contains(status) ? String(status) : "invalid"
    }
}
