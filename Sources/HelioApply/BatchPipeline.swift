import Foundation

/// Overlaps the applier's two halves: while the warehouse applies one batch (PostgreSQL's
/// CPU), the consumer thread polls and decodes the next (Helio's CPU). At most one batch
/// waits, so memory stays bounded at about two batches.
///
/// The writer thread's first failure stops the pipeline and is rethrown to the consumer
/// thread by the next `submit` or `drain`.
final class BatchPipeline<Batch>: @unchecked Sendable {
    private let condition = NSCondition()
    private var queued: Batch?
    private var busy = false
    private var closed = false
    private var failure: Error?
    private let work: (Batch) throws -> Void
    private let finished = DispatchSemaphore(value: 0)

    init(name: String, work: @escaping (Batch) throws -> Void) {
        self.work = work
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// Hands over a batch, waiting while the previous one still waits its turn.
    func submit(_ batch: Batch) throws {
        condition.lock()
        defer { condition.unlock() }
        while queued != nil && failure == nil { condition.wait() }
        if let failure { throw failure }
        queued = batch
        condition.broadcast()
    }

    /// Waits until every submitted batch is applied (before reading stored positions, or stopping).
    func drain() throws {
        condition.lock()
        defer { condition.unlock() }
        while (queued != nil || busy) && failure == nil { condition.wait() }
        if let failure { throw failure }
    }

    /// Stops the writer thread after the batch in hand; waits for it to end.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
        finished.wait()
    }

    private func run() {
        defer { finished.signal() }
        while true {
            condition.lock()
            while queued == nil && !closed { condition.wait() }
            guard let batch = queued else { condition.unlock(); return }
            queued = nil
            busy = true
            condition.broadcast()
            condition.unlock()
            var error: Error?
            do { try work(batch) } catch let caught { error = caught }
            condition.lock()
            busy = false
            if let error { failure = error; queued = nil }
            condition.broadcast()
            let stop = error != nil
            condition.unlock()
            if stop { return }
        }
    }
}
