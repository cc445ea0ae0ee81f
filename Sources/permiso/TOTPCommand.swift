import ArgumentParser
import Foundation
import PermisoCore

struct TOTPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "totp",
        abstract: "Second factors: enrol a user's authenticator app.",
        subcommands: [Enroll.self]
    )

    struct Enroll: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a TOTP secret for a user: print it, its otpauth:// URI and QR code, and the config lines to add.",
            discussion: """
                The secret never goes into the config itself: write it to a file (--secret-file, created
                with mode 0600) or an environment variable, and reference that from the user's `totp:`
                entry. The authenticator works once the config listing it is deployed.
                    permiso totp enroll alice --secret-file secrets/alice.totp
                """
        )

        @OptionGroup var options: ConfigOption

        @Argument(help: "The username, as in the config.")
        var username: String

        @Option(help: "Write the secret to this file (mode 0600); it must not exist yet. Relative to the config's folder.")
        var secretFile: String?

        @Flag(help: "Print no QR code.")
        var noQR = false

        func run() throws {
            let config = try PermisoConfig.load(file: options.config)
            guard config.user(username: username) != nil else {
                throw CommandError("\(options.config): no user \(username)")
            }
            let enrollment = TOTPEnrollment(username: username, issuer: config.branding.name)
            // An environment variable name the loader accepts: ASCII letters, digits and _.
            let name = username.uppercased().unicodeScalars.map { $0.isASCII && CharacterSet.alphanumerics.contains($0) ? String($0) : "_" }
            var reference = "${TOTP_\(name.joined())}"
            if let secretFile {
                let directory = (options.config as NSString).deletingLastPathComponent
                let path = secretFile.hasPrefix("/") ? secretFile : (directory.isEmpty ? secretFile : directory + "/" + secretFile)
                try Self.writeSecret(enrollment.base32Secret + "\n", to: path)
                reference = secretFile.hasPrefix("/") || secretFile.hasPrefix("./") || secretFile.hasPrefix("../") ? secretFile : "./" + secretFile
                print("Wrote the secret to \(path) (mode 0600).")
            } else {
                print("Secret (keep it like a password; set it as \(reference.dropFirst(2).dropLast()) for permiso serve):")
                print("  \(enrollment.base32Secret)")
            }
            print("\nAdd it to the authenticator app: scan the QR code, or open or type this URI (both hold the secret):")
            print("  \(enrollment.uri)")
            if !noQR {
                if let qr = TerminalQRCode.render(enrollment.uri, colors: isatty(STDOUT_FILENO) == 1) {
                    print("\n\(qr)")
                } else {
                    print("\n(No QR code: libqrencode.so.4 is not installed; on Debian, apt-get install libqrencode4.)")
                }
            }
            print("\nThen add to the user in \(options.config), review, deploy and reload:")
            print(enrollment.configLines(reference: reference))
        }

        /// Creates `path` with mode 0600 and the secret in it, refusing to follow a link or
        /// to replace anything (O_EXCL): the secret is never readable by others, even briefly.
        static func writeSecret(_ text: String, to path: String) throws {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                throw CommandError(
                    errno == EEXIST ? "\(path) exists; choose a new file" : "cannot create \(path): \(String(cString: strerror(errno)))"
                )
            }
            let bytes = Array(text.utf8)
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            let synced = fsync(descriptor) == 0
            close(descriptor)
            guard written == bytes.count, synced else {
                unlink(path)
                throw CommandError("cannot write \(path)")
            }
        }
    }
}
