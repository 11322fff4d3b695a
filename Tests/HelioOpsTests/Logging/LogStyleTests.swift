import HelioOps
import Testing

@Suite("Log style")
struct LogStyleTests {
    @Test("auto: coloured text on a terminal, JSON anywhere else")
    func automatic() {
        #expect(LogStyle.resolve(.auto, terminal: true, colourAllowed: true) == .text(colour: true))
        #expect(LogStyle.resolve(.auto, terminal: true, colourAllowed: false) == .text(colour: false))
        #expect(LogStyle.resolve(.auto, terminal: false, colourAllowed: false) == .json)
    }

    @Test("a format given wins over the terminal; colour only on a terminal")
    func given() {
        #expect(LogStyle.resolve(.json, terminal: true, colourAllowed: true) == .json)
        #expect(LogStyle.resolve(.text, terminal: false, colourAllowed: false) == .text(colour: false))
        #expect(LogStyle.resolve(.text, terminal: true, colourAllowed: true) == .text(colour: true))
    }

    @Test("NO_COLOR and TERM=dumb turn colour off; a pipe never has it")
    func colour() {
        #expect(Terminal.colourAllowed(environment: ["TERM": "xterm"], isTerminal: true))
        #expect(!Terminal.colourAllowed(environment: ["TERM": "xterm", "NO_COLOR": "1"], isTerminal: true))
        #expect(Terminal.colourAllowed(environment: ["TERM": "xterm", "NO_COLOR": ""], isTerminal: true))
        #expect(!Terminal.colourAllowed(environment: ["TERM": "dumb"], isTerminal: true))
        #expect(!Terminal.colourAllowed(environment: ["TERM": "xterm"], isTerminal: false))
    }
}
