import Server

/// `/debug/routes`: the public server's route templates and their methods, as JSON.
///
/// The templates are the `route` label values of `http_request_duration_seconds` (besides
/// `unmatched`); a series appears in `/metrics` only after its first request, so a tool that
/// checks a route name before any traffic reads this list instead.
enum DebugRoutes {
    static func json(_ routes: [Routes.Listing]) -> String {
        var out: [UInt8] = []
        out.append(contentsOf: #"{"routes":["#.utf8)
        for (index, route) in routes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"route":"#.utf8)
            JSONErrorBody.appendString(route.template, to: &out)
            out.append(contentsOf: #","methods":["#.utf8)
            for (position, method) in route.methods.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                JSONErrorBody.appendString(method, to: &out)
            }
            out.append(contentsOf: "]}".utf8)
        }
        out.append(contentsOf: #"],"unmatched_label":"unmatched"}"#.utf8)
        return String(decoding: out, as: UTF8.self)
    }
}
