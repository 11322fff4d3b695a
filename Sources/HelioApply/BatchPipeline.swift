import Foundation

/// Overlaps the applier's two halves: while the warehouse applies one batch (PostgreSQL's
/// CPU), the consumer thread polls and decodes the next (Helio's CPU). At most one batch
/// waits, so memory stays bounded at about two batches.
///
/// What the consumer hands over while a batch already waits is merged into it (`merge`,
/// when it fits) instead of waiting behind it: records that arrive during one apply are
/// all applied by the next, never a batch later, and a busy warehouse gets fewer, larger
/// batches (less fixed cost per change).
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
    private let merge: (inout Batch, Batch) -> Bool
    private let finished = DispatchSemaphore(value: 0)

    /// `merge(&waiting, next)` appends `next` to the waiting batch and returns true, or
    /// returns false (leaving it unchanged) when the two must stay apart.
    init(name: String, merge: @escaping (inout Batch, Batch) -> Bool = { _, _ in false },
         work: @escaping (Batch) throws -> Void) {
        self.work = work
        self.merge = merge
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// Hands over a batch: merged into the one waiting its turn when they fit together,
    /// else after that one has gone to the writer.
    func submit(_ batch: Batch) throws {
        condition.lock()
        defer { condition.unlock() }
        if failure == nil, queued != nil, merge(&queued!, batch) { return }
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
