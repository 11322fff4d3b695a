import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HelioOps

/// `helio snapshot --wait`: follows one incremental snapshot request through the running
/// capture's operator endpoint (`/snapshot`, capture's `metrics.address`), until capture has
/// read the whole table. The request travels through the WAL, so nothing else knows how far
/// capture has got.
struct SnapshotFollower {
    /// `http://host:port/snapshot`.
    let url: URL
    let request: String
    let progress: ProgressReporter

    /// What `/snapshot` answers.
    struct State: Decodable {
        var table: String
        var rows: Int
        var finished: Bool
        var request: String?
    }

    enum Failure: Error, CustomStringConvertible {
        case unreachable(url: URL, reason: String)
        case timedOut(seconds: Double, seen: Bool)

        var description: String {
            switch self {
            case .unreachable(let url, let reason):
                return "--wait follows capture through its operator endpoint \(url), which does not answer (\(reason)); "
                    + "is capture running with that metrics.address? The request was sent: capture serves it when it runs"
            case .timedOut(let seconds, let seen):
                return seen ? "capture was still reading after \(Int(seconds)) s; it goes on, watch its status page or run --wait again"
                    : "capture had not picked up the request after \(Int(seconds)) s: is it running and streaming?"
            }
        }
    }

    /// The capture endpoint for `address` (`host:port`; `0.0.0.0` is reached on 127.0.0.1).
    static func url(address: String) -> URL? {
        guard let colon = address.lastIndex(of: ":") else { return nil }
        var host = String(address[..<colon])
        if host == "0.0.0.0" || host.isEmpty { host = "127.0.0.1" }
        return URL(string: "http://\(host):\(address[address.index(after: colon)...])/snapshot")
    }

    /// Polls twice a second until capture says the request's table is read; the rows read.
    /// `timeoutSeconds` 0 waits for ever.
    func follow(timeoutSeconds: Double) throws -> Int {
        let started = Date()
        var seen = false
        while true {
            if let state = try Self.fetch(url), state.request == request {
                seen = true
                progress.update(done: state.rows)
                if state.finished {
                    progress.update(done: state.rows, total: state.rows)
                    progress.finish()
                    return state.rows
                }
            }
            if timeoutSeconds > 0 && Date().timeIntervalSince(started) > timeoutSeconds {
                progress.finish()
                throw Failure.timedOut(seconds: timeoutSeconds, seen: seen)
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }

    /// The endpoint's answer; nil before capture has read any snapshot (404).
    static func fetch(_ url: URL) throws -> State? {
        final class Answer: @unchecked Sendable {   // written once by the callback, read after the semaphore
            var data: Data?
            var status = 0
            var error: String?
        }
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: 5)
        request.httpMethod = "GET"
        URLSession.shared.dataTask(with: request) { data, response, error in
            answer.data = data
            answer.status = (response as? HTTPURLResponse)?.statusCode ?? 0
            answer.error = error.map { $0.localizedDescription }
            done.signal()
        }.resume()
        done.wait()
        if let error = answer.error { throw Failure.unreachable(url: url, reason: error) }
        guard answer.status == 200, let data = answer.data else {
            if answer.status == 404 { return nil }
            throw Failure.unreachable(url: url, reason: "HTTP \(answer.status)")
        }
        return try JSONDecoder().decode(State.self, from: data)
    }
}
