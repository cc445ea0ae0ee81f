import ArgumentParser
import Foundation
import PermisoCore

struct HashPasswordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-password",
        abstract: "Read a password or client secret from standard input and print a hash the config accepts.",
        discussion: """
            On a terminal it asks twice without echoing. From a pipe it reads everything up to the end, less one trailing newline:
                printf '%s' "$SECRET" | permiso hash-password
            """
    )

    @Option(help: "bcrypt, yescrypt or sha512-crypt.")
    var scheme: String = PasswordHash.Scheme.bcrypt.rawValue

    @Option(help: "The cost: bcrypt's log2 rounds (default 12), or yescrypt's and sha512-crypt's; libxcrypt's default when omitted.")
    var cost: UInt?

    func run() throws {
        guard let scheme = PasswordHash.Scheme(rawValue: scheme) else {
            throw ValidationError("--scheme must be one of \(PasswordHash.Scheme.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let password = try readPassword()
        guard !password.isEmpty else { throw CommandError("the password is empty") }
        print(try PasswordHash.make(password, scheme: scheme, cost: cost))
    }

    private func readPassword() throws -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard var text = String(data: data, encoding: .utf8) else { throw CommandError("the input is not UTF-8") }
            if text.hasSuffix("\r\n") { text.removeLast(2) } else if text.hasSuffix("\n") { text.removeLast() }
            return text
        }
        let first = try Terminal.readHidden(prompt: "Password: ")
        let second = try Terminal.readHidden(prompt: "Again: ")
        guard first == second else { throw CommandError("the two passwords differ") }
        return first
    }
}

/// Reads a line from the terminal with echo off.
enum Terminal {
    static func readHidden(prompt: String) throws -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var original = termios()
        tcgetattr(STDIN_FILENO, &original)
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw CommandError("no password given") }
        return line
    }
}
