import Foundation

/// The route templates a server serves, read from its admin listener before a run, so that
/// a limit naming a route it does not serve is refused before anything is sent.
public enum ServerRoutes {
    /// Why the routes could not be read.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    struct Listing: Decodable {
        struct Route: Decodable { var route: String }
        var routes: [Route]
    }

    /// `/debug/routes` when the server has it; otherwise the `route` labels that
    /// `/metrics` shows so far (an older server lists a route there after its first request).
    public static func read(from client: AdminClient) throws(Unavailable) -> (routes: Set<String>, source: String) {
        do {
            let listing = try client.get("/debug/routes")
            if listing.status == 200 {
                let decoded = try JSONDecoder().decode(Listing.self, from: Data(listing.body))
                return (Set(decoded.routes.map(\.route)), "/debug/routes")
            }
            let metrics = try client.get("/metrics")
            guard metrics.status == 200 else {
                throw Unavailable(description: "status \(listing.status) from /debug/routes and \(metrics.status) from /metrics")
            }
            var routes = Set<String>()
            for sample in PrometheusText(metrics.text).samples where sample.name.hasPrefix("http_request_duration_seconds") {
                if let route = sample.labels["route"] { routes.insert(route) }
            }
            return (routes, "the route labels in /metrics (the server has no /debug/routes)")
        } catch let error as Unavailable {
            throw error
        } catch {
            throw Unavailable(description: "\(error)")
        }
    }
}
