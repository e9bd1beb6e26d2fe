import Testing
import Locking
@testable import TaskRegistry

/// What a loop's watchdog asks the registry: which request does this published tag, or
/// this task's address, name on this loop? Only a live entry answers, and a held shard
/// lock never makes the watchdog wait.
@Suite("TaskRegistry running requests")
struct TaskRegistryRunningTests {
    static func makeRegistry() -> TaskRegistry {
        TaskRegistry(shardCount: 2, currentShard: { nil })
    }

    static func register(_ registry: TaskRegistry, route: String, id: String, loop: Int) -> TaskToken {
        registry.registerRequest(route: route, requestID: id, streamID: 0, site: TaskSite(), task: nil, loop: loop)
    }

    @Test func aTagNamesItsRequestUntilTheRequestEnds() {
        let registry = Self.makeRegistry()
        let token = Self.register(registry, route: "/plaintext", id: "abc-1", loop: 1)
        #expect(token.runningTag != 0)
        #expect(registry.runningRequest(tag: token.runningTag, loop: 1).map { [$0.route, $0.requestID] } == ["/plaintext", "abc-1"])
        #expect(registry.runningRequest(tag: token.runningTag, loop: 0) == nil, "another loop's shard")
        registry.end(token)
        #expect(registry.runningRequest(tag: token.runningTag, loop: 1) == nil)
        // The slot is reused by the next request: the old tag still names nothing.
        let next = Self.register(registry, route: "/json", id: "abc-2", loop: 1)
        #expect(registry.runningRequest(tag: token.runningTag, loop: 1) == nil)
        #expect(registry.runningRequest(tag: next.runningTag, loop: 1)?.requestID == "abc-2")
    }

    @Test(arguments: [UInt64(0), 1, 1 << 32, UInt64.max])
    func tagsThatNameNoRequestAnswerNothing(_ tag: UInt64) {
        let registry = Self.makeRegistry()
        _ = Self.register(registry, route: "/plaintext", id: "abc-1", loop: 0)
        #expect(registry.runningRequest(tag: tag, loop: 0) == nil)
        #expect(registry.runningRequest(tag: tag, loop: 7) == nil)
    }

    @Test func aTaskAddressNamesTheRequestThatTaskRegistered() async {
        let registry = Self.makeRegistry()
        let (token, address) = await Task {
            let token = registry.registerRequest(route: "/api/v1/order/map", requestID: "map-1", streamID: 0, site: TaskSite(),
                                                 task: withUnsafeCurrentTask { $0.map(TaskIdentity.init) }, loop: 0)
            return (token, withUnsafeCurrentTask { unsafeBitCast($0!, to: UInt.self) })
        }.value
        #expect(registry.runningRequest(taskAddress: address, loop: 0)?.route == "/api/v1/order/map")
        #expect(registry.runningRequest(taskAddress: address &+ 16, loop: 0) == nil)
        #expect(registry.runningRequest(taskAddress: 0, loop: 0) == nil)
        registry.end(token)
        #expect(registry.runningRequest(taskAddress: address, loop: 0) == nil)
    }

    @Test func aHeldShardLockAnswersNothingRatherThanWaiting() {
        let registry = Self.makeRegistry()
        let token = Self.register(registry, route: "/plaintext", id: "abc-1", loop: 1)
        let clock = ContinuousClock()
        let start = clock.now
        let found = registry.shards[1].storage.withLock { _ in registry.runningRequest(tag: token.runningTag, loop: 1) }
        #expect(found == nil)
        #expect(clock.now - start < .seconds(1))
    }
}
