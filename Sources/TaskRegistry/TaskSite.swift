/// Where a task was created: `#fileID:#line` and the enclosing function.
///
/// Built from static strings, so recording a site costs no allocation.
public struct TaskSite: Hashable, Sendable, CustomStringConvertible {
    public let fileID: StaticString
    public let line: UInt
    public let function: StaticString

    public init(fileID: StaticString = #fileID, line: UInt = #line, function: StaticString = #function) {
        self.fileID = fileID
        self.line = line
        self.function = function
    }

    /// `Module/File.swift:42`.
    public var description: String { "\(fileID):\(line)" }

    public static func == (lhs: TaskSite, rhs: TaskSite) -> Bool {
        lhs.line == rhs.line && Self.equal(lhs.fileID, rhs.fileID) && Self.equal(lhs.function, rhs.function)
    }

    // Hashes the line and the lengths only: consistent with content equality and O(1),
    // which matters when grouping 100,000 tasks; equal-length collisions at one line are rare.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(line)
        hasher.combine(fileID.utf8CodeUnitCount)
        hasher.combine(function.utf8CodeUnitCount)
    }

    static func equal(_ lhs: StaticString, _ rhs: StaticString) -> Bool {
        guard lhs.hasPointerRepresentation, rhs.hasPointerRepresentation else {
            return lhs.description == rhs.description
        }
        // The same literal usually has the same address: skip the byte compare then.
        if lhs.utf8Start == rhs.utf8Start && lhs.utf8CodeUnitCount == rhs.utf8CodeUnitCount { return true }
        guard lhs.utf8CodeUnitCount == rhs.utf8CodeUnitCount else { return false }
        return lhs.withUTF8Buffer { left in rhs.withUTF8Buffer { right in left.elementsEqual(right) } }
    }
}
