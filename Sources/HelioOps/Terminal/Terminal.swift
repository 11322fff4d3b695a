import Foundation

/// Whether a person is reading: a terminal gets coloured human log lines and progress bars,
/// anything else (a pipe, a file, the journal, a container runtime) gets JSON and periodic
/// log lines that a log pipeline can parse.
public enum Terminal {
    /// stderr is a terminal: where logs and progress bars go.
    public static var standardErrorIsTerminal: Bool { isatty(2) == 1 }

    /// Colour on stderr: a terminal that can show it, and no `NO_COLOR` (https://no-color.org).
    public static var colourOnStandardError: Bool {
        colourAllowed(environment: ProcessInfo.processInfo.environment, isTerminal: standardErrorIsTerminal)
    }

    /// `NO_COLOR` set to anything non-empty turns colour off, as does `TERM=dumb`.
    public static func colourAllowed(environment: [String: String], isTerminal: Bool) -> Bool {
        guard isTerminal else { return false }
        if let noColour = environment["NO_COLOR"], !noColour.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }
}
