internal import Foundation

/// A config value that may hold a secret: written inline, `${ENV_VAR}`, or a file path.
///
/// Secrets live outside the config so the config can be committed: an environment variable
/// set by the deployment, or a file mounted from a secret store. Paths start with `/`,
/// `./` or `../` (relative to the config's folder) so they cannot be mistaken for values.
enum SecretReference: Equatable {
    case inline(String)
    case environment(String)
    case file(String)

    init(_ text: String) {
        if text.hasPrefix("${") && text.hasSuffix("}") && text.count > 3 {
            self = .environment(String(text.dropFirst(2).dropLast()))
        } else if text.hasPrefix("/") || text.hasPrefix("./") || text.hasPrefix("../") {
            self = .file(text)
        } else {
            self = .inline(text)
        }
    }

    /// The referenced value, trimmed of surrounding whitespace, or what went wrong.
    func resolve(relativeTo directory: String, environment: [String: String]) -> Result<String, RuleViolation> {
        switch self {
        case .inline(let value):
            return .success(value)
        case .environment(let name):
            guard ASCIIText.isToken(name, punctuation: "_"), !(name.utf8.first.map(ASCIIText.isDigit) ?? true) else {
                return .failure(RuleViolation("\"\(name)\" is not an environment variable name"))
            }
            guard let value = environment[name] else {
                return .failure(RuleViolation("environment variable \(name) is not set"))
            }
            return .success(value.trimmingCharacters(in: .whitespacesAndNewlines))
        case .file(let path):
            let resolved = path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path)
            do {
                let contents = try String(contentsOfFile: resolved, encoding: .utf8)
                return .success(contents.trimmingCharacters(in: .whitespacesAndNewlines))
            } catch {
                return .failure(RuleViolation("cannot read \(resolved): \(FileProblem.describe(error))"))
            }
        }
    }
}

/// Short, human descriptions of file-system errors.
enum FileProblem {
    static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        switch nsError.code {
        case NSFileReadNoSuchFileError, NSFileNoSuchFileError: return "no such file"
        case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return "permission denied"
        case NSFileReadInapplicableStringEncodingError: return "not UTF-8 text"
        case NSFileWriteFileExistsError: return "a file is in the way of a folder"
        default: return nsError.localizedDescription
        }
    }
}
