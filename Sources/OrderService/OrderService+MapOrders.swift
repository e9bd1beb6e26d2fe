extension OrderService {
    /// Looks up each id in the order given. Found orders have every line item enriched
    /// from the inventory cache and are checked by the stock validator; other ids go to
    /// ``OrderMap/notFound``. Repeated ids appear as often as they were asked for.
    ///
    /// The request reads the dependency settings once, here, and uses that copy throughout:
    /// a change made while it runs applies to the requests after it.
    ///
    /// When neither dependency has latency this runs to completion without suspending or
    /// creating tasks. Otherwise each found order gets a stock-validation child task
    /// (`OrderService+ValidationChildren.swift`), and the result keeps the order of `ids`.
    /// With the fault `missing-ok-check` on, the incident's leaking version runs instead.
    ///
    /// Runs on the caller's executor (`nonisolated(nonsending)`), so a handler started on an
    /// event loop stays there.
    ///
    /// - Throws: ``DependencyError`` if the inventory or the stock validator fails, and
    ///   whatever the sleeper throws (such as `CancellationError`).
    nonisolated(nonsending) public func mapOrders(ids: [Int]) async throws -> OrderMap {
        let settings = self.dependencies.current
        if faults.isEnabled(.missingOKCheck) {
            return try await mapOrdersIgnoringMissing(ids: ids, settings: settings)
        }
        if settings.dependenciesSuspend || faults.isEnabled(.slowInventory) {
            return try await self.mapOrdersWithValidationChildren(ids: ids, settings: settings)
        }
        return try self.mapOrdersWithoutSuspending(ids: ids, settings: settings)
    }

    /// The zero-latency path: three allocations (orders, items, not-found), no tasks.
    func mapOrdersWithoutSuspending(ids: [Int], settings: DependencySettings) throws -> OrderMap {
        var foundCount = 0
        var itemCount = 0
        for id in ids {
            if let order = self.store.order(id: id) {
                foundCount += 1
                itemCount += order.items.count
            }
        }

        var orders = [MappedOrder]()
        orders.reserveCapacity(foundCount)
        var notFound = [Int]()
        notFound.reserveCapacity(ids.count - foundCount)
        var items = [MappedOrder.Item]()
        items.reserveCapacity(itemCount)
        let now = self.inventory.elapsed()  // one clock read per request

        for id in ids {
            guard let order = self.store.order(id: id) else {
                notFound.append(id)
                continue
            }
            let start = items.endIndex
            for line in order.items {
                let record = try self.inventory.recordWithoutSuspending(for: line.sku, at: now, settings: settings)
                items.append(MappedOrder.Item(line, record))
            }
            let stockValid = try self.stockValidator.validateWithoutSuspending(items[start...], settings: settings)
            // Items are attached below, once the shared buffer has stopped growing;
            // a slice taken now would force a copy on the next append.
            orders.append(MappedOrder(order, items: [], stockValid: stockValid))
        }

        var start = items.startIndex
        for index in orders.indices {
            let count = self.store.orders[orders[index].id - 1].items.count
            orders[index].items = items[start..<(start + count)]
            start += count
        }
        return OrderMap(orders: orders, notFound: notFound)
    }
}
