import Tracing

/// An order whose owner does not exist: the zero-value order of the incident fails here.
public struct OrderIntegrityError: Error, CustomStringConvertible {
    public let orderID: Int
    public let userID: Int
    public var description: String { "order \(orderID) belongs to user \(userID), who does not exist" }
}

extension OrderService {
    /// The order map with one stock-validation child task per order, as the service runs
    /// when its dependencies have latency. Two versions follow; the difference between them
    /// is the fix for the incident: a `guard let`, and a `catch` that releases the children.

    /// The fixed version: the lookup's missing case is handled before any work starts for
    /// it, and on any failure every child is released and awaited, so none outlives the
    /// request (a child still alive when its request ends is an orphan: a leak).
    func mapOrdersWithValidationChildren(ids: [Int], settings: DependencySettings) async throws -> OrderMap {
        var requests: [StockRequest] = []
        var children: [Task<Bool, any Error>] = []
        do {
            var started: [(Order, [MappedOrder.Item], Task<Bool, any Error>)] = []
            var notFound: [Int] = []
            for id in ids {
                guard let order = store.order(id: id) else {  // fix, part 1: check the lookup first
                    notFound.append(id)
                    continue
                }
                let request = StockRequest()
                requests.append(request)
                let child = startValidationChild(for: id, request: request, settings: settings)
                children.append(child)
                let items = try await enrich(order, settings: settings)
                request.send(items)
                started.append((order, items, child))
            }
            return try await collect(started, notFound: notFound)  // awaits every child
        } catch {  // fix, part 2: release every child on every failure, and wait for it to end
            for request in requests { request.close() }
            for child in children { child.cancel() }
            for child in children { _ = await child.result }
            throw error
        }
    }

    /// The incident's version (fault `missing-ok-check`). It starts the child before the
    /// lookup, reads a missing order as a zero value (`?? .zero`, Go's `m[key]` without
    /// `ok`), and has no cleanup: the zero order fails in `enrich`, the error escapes as a
    /// 500, and the child waits for a request that is never sent.
    func mapOrdersIgnoringMissing(ids: [Int], settings: DependencySettings) async throws -> OrderMap {
        var started: [(Order, [MappedOrder.Item], Task<Bool, any Error>)] = []
        for id in ids {
            let request = StockRequest()
            let child = startValidationChild(for: id, request: request, settings: settings)
            let order = store.order(id: id) ?? .zero  // lookup-lint: allow — the incident's deliberate bug
            let items = try await enrich(order, settings: settings)
            request.send(items)
            started.append((order, items, child))
        }
        return try await collect(started, notFound: [])
    }

    /// Starts the child that validates one order's stock once it receives the items.
    private func startValidationChild(for id: Int, request: StockRequest, settings: DependencySettings) -> Task<Bool, any Error> {
        let validator = stockValidator, children = childTasks
        return children.startChild(name: "stock-validation", labels: [("order_id", String(id))], site: ChildTaskSite()) {
            guard let items = await children.waiting("stock-reply", { await request.receive() }) else {
                return false
            }
            // A span per validation (a child of the request's, which the task inherited).
            return try await withSpan("stock.validate") { span in
                span.attributes["order.id"] = id
                return try await validator.validate(items, settings: settings)
            }
        }
    }

    /// Enriches every line item from the inventory cache, after checking the owner.
    private func enrich(_ order: Order, settings: DependencySettings) async throws -> [MappedOrder.Item] {
        guard store.user(id: order.userID) != nil else {
            throw OrderIntegrityError(orderID: order.id, userID: order.userID)
        }
        if faults.isEnabled(.slowInventory) {
            // The slow cache of the incident: the span that grows in its trace.
            try await withSpan("inventory-cache.read") { span in
                span.attributes["inventory.fault"] = "slow-inventory"
                try await childTasks.waiting("inventory-cache") { try await sleeper.sleep(for: settings.slowInventoryLatency) }
            }
        }
        var items: [MappedOrder.Item] = []
        items.reserveCapacity(order.items.count)
        let now = inventory.elapsed()
        for line in order.items {
            let (record, refreshDue) = try await withSpan("inventory-cache.read") { span in
                span.attributes["inventory.sku"] = line.sku.description
                return try await childTasks.waiting("inventory-cache") {
                    try await inventory.recordAndRefreshDue(for: line.sku, at: now, settings: settings)
                }
            }
            if refreshDue { startInventoryRefresh(line.sku, settings: settings) }
            items.append(MappedOrder.Item(line, record))
        }
        return items
    }

    /// Refreshes a cache entry near its expiry in the background. The refresh is meant to
    /// outlive this request, so it is started detached: it keeps the request's attribution
    /// but is never counted as the request's orphan (a leak).
    private func startInventoryRefresh(_ sku: SKU.ID, settings: DependencySettings) {
        let inventory = inventory
        childTasks.startDetached(name: "inventory-refresh", labels: [("sku", sku.description)], site: ChildTaskSite()) {
            try await inventory.refresh(sku, settings: settings)
        }
    }

    private func collect(_ started: [(Order, [MappedOrder.Item], Task<Bool, any Error>)], notFound: [Int]) async throws -> OrderMap {
        var orders: [MappedOrder] = []
        orders.reserveCapacity(started.count)
        for (order, items, child) in started {
            // The children are unstructured (the registry starts them), so cancellation is
            // passed on by hand.
            let stockValid = try await childTasks.waiting("stock-validation") {
                try await withTaskCancellationHandler { try await child.value } onCancel: { child.cancel() }
            }
            orders.append(MappedOrder(order, items: items[...], stockValid: stockValid))
        }
        return OrderMap(orders: orders, notFound: notFound)
    }
}

extension Order {
    /// The zero value of an order, as Go's map lookup returns for a missing key.
    static let zero = Order(id: 0, userID: 0, status: .pending, createdAt: 0, totalCents: 0, items: [])
}
