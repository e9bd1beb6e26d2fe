/// A handle to one live registry entry, returned by `TaskRegistry.register`.
///
/// It names its slot directly (shard, slot, generation), so state changes and `end` need
/// no lookup by id; a token whose entry has ended (stale generation) is ignored. It
/// carries its registry, so `TaskRegistry.current` alone is enough to change state.
public struct TaskToken: Sendable, Hashable {
    /// The id of the entry.
    public let id: TaskID
    /// The registry that holds the entry.
    public let registry: TaskRegistry
    let slot: UInt32
    let generation: UInt32

    init(id: TaskID, registry: TaskRegistry, slot: UInt32, generation: UInt32) {
        self.id = id
        self.registry = registry
        self.slot = slot
        self.generation = generation
    }

    /// Sets the state of this entry.
    public func setState(_ state: TaskState) { registry.setState(self, state) }

    /// Ends this entry (idempotent).
    public func end() { registry.end(self) }

    public static func == (lhs: TaskToken, rhs: TaskToken) -> Bool {
        lhs.id == rhs.id && lhs.registry === rhs.registry
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(ObjectIdentifier(registry))
    }
}
