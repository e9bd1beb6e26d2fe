extension JSONWriter {
    /// Writes the service's error body: `{"error":{"code":"…","message":"…"}}`.
    public mutating func writeErrorBody(code: String, message: String) {
        self.beginObject()
        self.key("error")
        self.beginObject()
        self.field("code", code)
        self.field("message", message)
        self.endObject()
        self.endObject()
    }

    /// The service's error body, `{"error":{"code":"…","message":"…"}}`, as UTF-8.
    public static func errorBody(code: String, message: String) -> [UInt8] {
        var writer = JSONWriter(reservingCapacity: 32 + code.utf8.count + message.utf8.count)
        writer.writeErrorBody(code: code, message: message)
        return writer.takeBytes()
    }
}
