import Synchronization

/// A one-shot hand-over from a parent task to a stock-validation child: the parent sends
/// the order's enriched items, or closes the request when it will never send them.
///
/// A child that receives from a request nobody sends on or closes waits forever; that is
/// the incident's leak.
final class StockRequest: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<[MappedOrder.Item]?, Never>)
        case sent([MappedOrder.Item])
        case closed
    }

    private let state = Mutex(State.empty)

    /// Waits for the items; `nil` when the parent closed the request.
    func receive() async -> [MappedOrder.Item]? {
        await withCheckedContinuation { continuation in
            let ready: [MappedOrder.Item]?? = state.withLock { state in
                switch state {
                case .sent(let items):
                    state = .closed
                    return .some(items)
                case .closed:
                    return .some(nil)
                case .empty, .waiting:
                    state = .waiting(continuation)
                    return .none
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    func send(_ items: [MappedOrder.Item]) { finish(with: items) }

    /// Releases a waiting child with `nil`; does nothing after `send`.
    func close() { finish(with: nil) }

    private func finish(with items: [MappedOrder.Item]?) {
        let waiter: CheckedContinuation<[MappedOrder.Item]?, Never>? = state.withLock { state in
            switch state {
            case .empty:
                state = items.map { .sent($0) } ?? .closed
                return nil
            case .waiting(let continuation):
                state = .closed
                return continuation
            case .sent, .closed:
                return nil
            }
        }
        waiter?.resume(returning: items)
    }
}
