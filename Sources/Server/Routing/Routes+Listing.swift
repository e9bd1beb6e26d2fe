extension Routes {
    /// One route template and the methods it answers.
    public struct Listing: Sendable, Equatable {
        /// The template, as metrics and logs label requests (`/api/v1/order/{id}`).
        public let template: String
        /// The registered methods (and `HEAD` where `GET` serves it), sorted.
        public let methods: [String]

        /// A listing with these values.
        public init(template: String, methods: [String]) {
            self.template = template
            self.methods = methods
        }
    }

    /// Every route template with its methods, sorted by template: what the server can
    /// label a request with, besides `unmatched`. Tools that judge per-route metrics read it
    /// (through `/debug/routes`) to refuse a route the server does not serve.
    public var listing: [Listing] {
        nodes.compactMap { node in
            guard let template = node.template, !node.methods.isEmpty else { return nil }
            return Listing(template: template, methods: node.methods.map(\.method.rawValue).sorted())
        }.sorted { $0.template < $1.template }
    }
}
