import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HelioOps
import Synchronization

/// POSTs JSON to the alert webhook from the calling (job) thread, blocking: a bounded number
/// of attempts, each with a timeout, exponential backoff with jitter between them. Retries
/// network errors, timeouts, 408, 429 and 5xx; other statuses are final.
///
/// The URL usually holds a token: nothing this type returns or logs contains it (URLSession's
/// own errors do, so only their code is kept).
final class WebhookClient: Sendable {
    struct Outcome: Sendable, Equatable {
        var delivered: Bool
        var attempts: Int
        /// Secret-free: a status code or a URLError code name.
        var lastProblem: String?
    }

    let url: URL
    let attempts: Int
    let timeoutSeconds: Double
    let backoffBase: Double
    private let session: URLSession

    init(url: URL, attempts: Int, timeoutSeconds: Double, backoffBase: Double = 0.5) {
        self.url = url
        self.attempts = attempts
        self.timeoutSeconds = timeoutSeconds
        self.backoffBase = backoffBase
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.timeoutIntervalForResource = timeoutSeconds
        configuration.httpAdditionalHeaders = ["User-Agent": "helio/\(HelioVersion.current)"]
        session = URLSession(configuration: configuration)
    }

    deinit { session.invalidateAndCancel() }

    func post(_ body: Data, shouldStop: () -> Bool) -> Outcome {
        var backoff = Backoff(base: backoffBase, cap: 30)
        var problem: String?
        for attempt in 1...attempts {
            if attempt > 1 {
                Backoff.sleep(backoff.next(), unless: shouldStop)
                if shouldStop() { return Outcome(delivered: false, attempts: attempt - 1, lastProblem: (problem ?? "") + "; stopped") }
            }
            switch send(body) {
            case .delivered: return Outcome(delivered: true, attempts: attempt, lastProblem: nil)
            case .retry(let reason): problem = reason
            case .final(let reason): return Outcome(delivered: false, attempts: attempt, lastProblem: reason)
            }
        }
        return Outcome(delivered: false, attempts: attempts, lastProblem: problem)
    }

    private enum Attempt: Sendable { case delivered, retry(String), final(String) }

    private func send(_ body: Data) -> Attempt {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeoutSeconds)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        let result = Mutex<Attempt?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { _, response, error in
            let attempt: Attempt
            if let error {
                let code = (error as? URLError)?.code.rawValue ?? -1
                attempt = .retry("network error (URLError \(code))")
            } else if let status = (response as? HTTPURLResponse)?.statusCode {
                switch status {
                case 200..<300: attempt = .delivered
                case 408, 429, 500..<600: attempt = .retry("HTTP \(status)")
                default: attempt = .final("HTTP \(status)")
                }
            } else {
                attempt = .retry("no HTTP response")
            }
            result.withLock { $0 = attempt }
            done.signal()
        }
        task.resume()
        // URLSession's own timeout should fire first; this bounds a stuck task.
        if done.wait(timeout: .now() + timeoutSeconds + 2) == .timedOut {
            task.cancel()
            return .retry("timed out after \(timeoutSeconds) s")
        }
        return result.withLock { $0 } ?? .retry("no result")
    }
}
