import Foundation

/// Hashes made once for fixtures (bcrypt at the lowest cost, so tests stay fast).
public enum Fixture {
    /// `secret`
    public static let secretHash = "$2b$04$rLL32TotevtNT5Ipbs4xNulrGmaF6yenuu1BqmiqD0jM12Epgyib."
    /// `password`
    public static let passwordHash = "$2b$04$5FykbIE88ca9Qw0qmh3G1erMPxgvus/.18uauf87ZlIYycrzebJVu"

    /// A small valid config; tests add to or replace parts of it.
    public static func config(issuer: String = "https://id.example.com", extra: String = "") -> String {
        """
        issuer: \(issuer)
        clients:
          - id: web
            name: Web App
            secretHash: "\(secretHash)"
            redirectURIs: [https://app.example.com/cb]
            scopes: [openid, profile, email]
        users:
          - username: alice
            passwordHash: "\(passwordHash)"
            claims:
              email: alice@example.com
              email_verified: true
        \(extra)
        """
    }
}

/// Runs the `permiso` binary and returns its exit status and output.
public func runPermiso(
    _ arguments: [String],
    in directory: String,
    input: String? = nil
) throws -> (
    status: Int32, stdout: String, stderr: String
) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Repository.permisoBinary)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let stdout = Pipe()
    let stderr = Pipe()
    let stdin = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    let err = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}
