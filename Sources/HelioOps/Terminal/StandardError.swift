import Foundation
import Synchronization

/// Every write to stderr goes through here, so a log line and a progress bar drawn in place
/// (`\r`, no newline) never interleave: a log line first erases the bar, then the bar is drawn
/// again under it.
public enum StandardError {
    private static let state = Mutex(Shown())
    private struct Shown { var statusLine: String? }

    /// A whole line (ending in a newline).
    public static func write(_ line: String) {
        state.withLock { shown in
            if let status = shown.statusLine {
                _ = writeFully(2, Array((eraseLine + line + status).utf8))
            } else {
                _ = writeFully(2, Array(line.utf8))
            }
        }
    }

    /// Draws `text` in place of the previous status line (a progress bar).
    public static func drawStatus(_ text: String) {
        state.withLock { shown in
            shown.statusLine = text
            _ = writeFully(2, Array((eraseLine + text).utf8))
        }
    }

    /// Leaves the last status line on screen and moves below it.
    public static func endStatus() {
        state.withLock { shown in
            guard shown.statusLine != nil else { return }
            shown.statusLine = nil
            _ = writeFully(2, Array("\n".utf8))
        }
    }

    /// Carriage return, then erase to the end of the line.
    static let eraseLine = "\r\u{1B}[K"
}
