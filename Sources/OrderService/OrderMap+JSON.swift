extension OrderMap {
    /// Writes `{"orders":[…],"not_found":[…]}`.
    ///
    /// Each order is `{"id":1,"user_id":…,"status":"…","created_at":…,"total_cents":…,
    /// "items":[{"sku":"SKU-00001","title":"…","quantity":2,"price_cents":…,"in_stock":true}],
    /// "stock_valid":true}`.
    public func writeJSON(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("orders")
        writer.beginArray()
        for order in self.orders {
            order.writeJSON(into: &writer)
        }
        writer.endArray()
        writer.key("not_found")
        writer.beginArray()
        for id in self.notFound {
            writer.value(id)
        }
        writer.endArray()
        writer.endObject()
    }

    /// The JSON form of this map, as UTF-8.
    public var jsonBytes: [UInt8] {
        // Room for the worst case, so that the buffer is allocated once and never grows.
        var capacity = 32 + (JSONWriter.Cursor.maxIntCount + 1) * self.notFound.count
        for order in self.orders {
            capacity += order.maxJSONCount + 1
        }
        var writer = JSONWriter(reservingCapacity: capacity)
        self.writeJSON(into: &writer)
        return writer.takeBytes()
    }
}

extension MappedOrder {
    /// Writes one order object; see ``OrderMap/writeJSON(into:)``.
    ///
    /// This is the hot serialiser of `/api/v1/order/map`, so it reserves room for the whole
    /// object once and writes fixed fragments such as `,"user_id":` as single copies,
    /// instead of one writer call per token. The tests pin its output byte for byte.
    public func writeJSON(into writer: inout JSONWriter) {
        writer.writeValue(maxCount: self.maxJSONCount) { json in
            json.ascii(#"{"id":"#)
            json.int(self.id)
            json.ascii(#","user_id":"#)
            json.int(self.userID)
            json.ascii(#","status":""#)
            json.ascii(self.status.staticName)
            json.ascii(#"","created_at":"#)
            json.int(self.createdAt)
            json.ascii(#","total_cents":"#)
            json.int(self.totalCents)
            json.ascii(#","items":["#)
            var first = true
            for item in self.items {
                if !first { json.byte(UInt8(ascii: ",")) }
                first = false
                json.ascii(#"{"sku":"SKU-"#)
                json.int(item.sku.number, minimumDigits: 5)
                json.ascii(#"","title":"#)
                json.escapedString(item.title)
                json.ascii(#","quantity":"#)
                json.int(item.quantity)
                json.ascii(#","price_cents":"#)
                json.int(item.priceCents)
                json.ascii(#","in_stock":"#)
                json.bool(item.inStock)
                json.byte(UInt8(ascii: "}"))
            }
            json.ascii(#"],"stock_valid":"#)
            json.bool(self.stockValid)
            json.byte(UInt8(ascii: "}"))
        }
    }

    /// The most bytes that ``writeJSON(into:)`` writes for this order.
    var maxJSONCount: Int {
        typealias Cursor = JSONWriter.Cursor
        // Fixed text of an order and of an item, rounded up, plus the variable parts.
        var count = 160 + 5 * Cursor.maxIntCount
        for item in self.items {
            count += 96 + 3 * Cursor.maxIntCount + Cursor.maxEscapedCount(item.title.utf8.count)
        }
        return count
    }
}
