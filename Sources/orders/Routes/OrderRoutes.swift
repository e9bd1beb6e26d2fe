import Foundation
import OrderService
import Server

extension HTTPError.Code {
    /// 404: `/api/v1/user/fetch` found no user by that name.
    static let userNotFound = HTTPError.Code("user_not_found")
    /// 400: `/debug/faults` was asked for a fault it does not have.
    static let unknownFault = HTTPError.Code("unknown_fault")
}

/// `/api/v1/order/map` and `/api/v1/user/fetch`.
enum OrderRoutes {
    /// Most ids one map request may ask for.
    static let maxIDs = 100
    /// Order and user data change and are per-caller: no cache, shared or private, keeps them
    /// (without it a shared cache may store a 200 heuristically, RFC 9111 §4.2.2).
    static let noStore: HTTPHeaders = ["Cache-Control": "no-store"]

    static func register(on router: inout Router, service: OrderService) {
        router.get("/api/v1/order/map") { request, context in
            let ids = try request.require("ids", as: [PositiveInt].self, context: context).map(\.value)
            guard ids.count <= maxIDs else {
                throw HTTPError.invalidParameter("ids", expected: "at most \(maxIDs) ids", received: "\(ids.count) ids", source: .query)
            }
            let map = try await withDependencyErrors { try await service.mapOrders(ids: ids) }
            return Response(contentType: .json, headers: noStore, body: ResponseBody(map.jsonBytes))
        }
        // The same lookup with the ids in a JSON body, {"ids":[1,2,3]}, for lists too long
        // for a URL.
        router.post("/api/v1/order/map") { request, _ in
            let ids = try parseIDs(jsonBody: request.body, contentType: request.headers.first("Content-Type"))
            let map = try await withDependencyErrors { try await service.mapOrders(ids: ids) }
            return Response(contentType: .json, headers: noStore, body: ResponseBody(map.jsonBytes))
        }
        router.get("/api/v1/user/fetch") { request, context in
            let name = try request.require("name", as: String.self, context: context)
            guard let user = try await withDependencyErrors({ try await service.fetchUser(name: name) }) else {
                throw HTTPError(.notFound, code: .userNotFound, message: "No user is named '\(name)'")
            }
            return Response(contentType: .json, headers: noStore, body: ResponseBody(user.jsonBytes))
        }
    }

    /// Parses a `{"ids":[…]}` body.
    static func parseIDs(jsonBody body: [UInt8], contentType: String?) throws -> [Int] {
        guard let contentType, MediaType(contentType)?.is("application", "json") == true else {
            throw HTTPError(.unsupportedMediaType, code: .unsupportedMediaType, message: "The body must be application/json")
        }
        let expected = "an array of positive integers"
        let decoded: IDsBody
        do {
            decoded = try JSONDecoder().decode(IDsBody.self, from: Data(body))
        } catch let error as DecodingError where error.context?.codingPath.isEmpty == false {
            // The body is an object, but `ids` is not an array.
            throw HTTPError.invalidParameter("ids", expected: expected, received: nil, source: .body)
        } catch {
            // Not JSON, or JSON that is not an object ("x", [1,2], null).
            throw HTTPError(.badRequest, code: .invalidBody, message: "The body must be a JSON object like {\"ids\":[1,2,3]}")
        }
        guard let elements = decoded.ids, !elements.isEmpty else {
            throw HTTPError.missingParameter("ids", expected: expected, source: .body)
        }
        let ids = elements.compactMap(\.value)
        guard ids.count == elements.count, ids.allSatisfy({ $0 > 0 }) else {
            throw HTTPError.invalidParameter("ids", expected: expected, received: nil, source: .body)
        }
        guard ids.count <= maxIDs else {
            throw HTTPError.invalidParameter("ids", expected: "at most \(maxIDs) ids", received: "\(ids.count) ids", source: .body)
        }
        return ids
    }

    /// `{"ids":[…]}`: the shape the POST takes.
    struct IDsBody: Decodable {
        var ids: [ID]?

        /// One element of `ids`: an integer, or `nil` for anything else (a fraction, a
        /// string, a number beyond Int), which is then `ids`'s error rather than the body's.
        /// (JSONDecoder reports a fraction read as an Int as a body that is not JSON.)
        struct ID: Decodable {
            var value: Int?

            init(from decoder: any Decoder) throws {
                value = try? decoder.singleValueContainer().decode(Int.self)
            }
        }
    }

    /// Maps the stand-in remote systems' failures to 503, naming the dependency.
    static func withDependencyErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DependencyError {
            throw HTTPError(.serviceUnavailable, code: .dependencyUnavailable, message: "\(error)")
        }
    }
}
