import LoadTest
import Testing

/// Each error kind, provoked by a scripted server and counted by a real run of the C loop
/// (named IntegrationTests so that scripts/test.sh runs it with the other socket tests).
@Suite(.serialized)
struct ClientErrorIntegrationTests {
    static func load(port: UInt16, requests: UInt64 = 20, timeout: Duration = .seconds(2)) throws -> LoadResult {
        var config = LoadConfiguration(target: try LoadTarget(url: "http://127.0.0.1:\(port)/x"), scenario: .single(path: "/x"))
        config.connections = 2
        config.requests = requests
        config.duration = .milliseconds(600)
        config.timeout = timeout
        return try LoadRunner(configuration: config).run()
    }

    @Test func answersAreCounted() throws {
        let server = try ScriptedServer(.reply("HTTP/1.1 418 I'm a teapot\r\nContent-Length: 2\r\n\r\nok"))
        let result = try Self.load(port: server.port)
        #expect(result.stats.statusCounts == [418: 20])
        #expect(result.stats.errors.total == 0)
        #expect(result.sent == 20)
    }

    @Test func refusedConnectionsAreConnectErrors() throws {
        let result = try Self.load(port: closedPort())
        #expect(result.stats.errors.connect > 0)
        #expect(result.stats.responses == 0 && result.sent == 0)
    }

    @Test func malformedResponsesAreProtocolErrors() throws {
        let server = try ScriptedServer(.reply("HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n"))
        let result = try Self.load(port: server.port, requests: 5)
        #expect(result.stats.errors.protocol == 5)
        #expect(result.stats.responses == 0)
    }

    @Test func closedConnectionsAreResets() throws {
        let server = try ScriptedServer(.close)
        let result = try Self.load(port: server.port, requests: 5)
        #expect(result.stats.errors.reset == 5)
    }

    @Test func silenceIsATimeout() throws {
        let server = try ScriptedServer(.hold)
        let result = try Self.load(port: server.port, requests: 2, timeout: .milliseconds(200))
        #expect(result.stats.errors.timeout == 2)
        #expect(result.elapsedSeconds < 1.5, "bounded by the duration and the timeout")
    }
}
