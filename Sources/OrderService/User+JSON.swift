extension User {
    /// Writes `{"id":1,"name":"alice","email":"alice@example.com","tier":"gold"}`.
    public func writeJSON(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("id", self.id)
        writer.field("name", self.name)
        writer.field("email", self.email)
        writer.field("tier", self.tier.staticName)
        writer.endObject()
    }

    /// The JSON form of this user, as UTF-8.
    public var jsonBytes: [UInt8] {
        var writer = JSONWriter(reservingCapacity: 64 + self.name.utf8.count + self.email.utf8.count)
        self.writeJSON(into: &writer)
        return writer.takeBytes()
    }
}
