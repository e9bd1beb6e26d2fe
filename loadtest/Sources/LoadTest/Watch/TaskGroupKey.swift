/// A task group as the watcher follows it: creation site and task name.
public struct TaskGroupKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// `file:line`, as /debug/tasks reports it.
    public var site: String
    public var name: String

    public init(site: String, name: String) {
        self.site = site
        self.name = name
    }

    public var description: String { "\(name) @ \(site)" }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.site, lhs.name) < (rhs.site, rhs.name) }
}
