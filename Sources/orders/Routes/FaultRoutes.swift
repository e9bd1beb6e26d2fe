import Foundation
import OrderService
import Server

/// `/debug/faults` on the admin listener: GET lists the fault modes; POST changes them.
enum FaultRoutes {
    static func register(on router: inout Router, faults: Faults) {
        router.get("/debug/faults") { request, _ in
            // State changes are POST only: a GET that carries a change is refused, not ignored.
            guard request.query.isEmpty else {
                throw HTTPError(.methodNotAllowed, code: .methodNotAllowed,
                                message: "Change fault modes with POST /debug/faults, e.g. -d '{\"missing-ok-check\":true}'",
                                headers: ["Allow": "GET, POST"])
            }
            return listing(faults)
        }
        router.post("/debug/faults") { request, _ in
            for (mode, enabled) in try changes(in: request) {
                faults.set(mode, enabled: enabled)
            }
            return listing(faults)
        }
    }

    /// `{"missing-ok-check":true,"slow-inventory":false}`, or `?name=missing-ok-check&enabled=true`.
    static func changes(in request: Request) throws -> [(Faults.Mode, Bool)] {
        if !request.body.isEmpty {
            guard let object = try? JSONDecoder().decode([String: Bool].self, from: Data(request.body)), !object.isEmpty else {
                throw HTTPError(.badRequest, code: .invalidBody,
                                message: "The body must be a JSON object of fault names to booleans, e.g. {\"missing-ok-check\":true}")
            }
            return try object.sorted { $0.key < $1.key }.map { name, enabled in
                guard let mode = Faults.Mode(name: name) else { throw unknown(name) }
                return (mode, enabled)
            }
        }
        guard let name = request.queryValue("name") else {
            throw HTTPError(.badRequest, code: .missingParameter,
                            message: "Name a fault in the body ({\"missing-ok-check\":true}) or as ?name=…&enabled=true|false",
                            details: [("parameter", "name"), ("source", "query")])
        }
        guard let mode = Faults.Mode(name: name) else { throw unknown(name) }
        switch request.queryValue("enabled") {
        case "true": return [(mode, true)]
        case "false": return [(mode, false)]
        default:
            throw HTTPError.invalidParameter("enabled", expected: "true or false", received: request.queryValue("enabled"), source: .query)
        }
    }

    static func unknown(_ name: String) -> HTTPError {
        HTTPError(.badRequest, code: .unknownFault,
                  message: "No fault is named '\(name)'; known: \(Faults.Mode.all.map(\.name).joined(separator: ", "))",
                  details: [("parameter", name)])
    }

    static func listing(_ faults: Faults) -> Response {
        var json = #"{"faults":["#
        for (index, mode) in Faults.Mode.all.enumerated() {
            if index > 0 { json += "," }
            json += #"{"name":"\#(mode.name)","enabled":\#(faults.isEnabled(mode)),"summary":"\#(mode.summary)"}"#
        }
        json += "]}"
        return Response(contentType: .json, body: ResponseBody(string: json))
    }
}
