import ArgumentParser
import Foundation
import Logging
import PermisoCore
import PermisoServer

struct RevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke every token of a user, a client or a login session, on every instance.",
        discussion: """
            Writes to the shared state store the config names, so it needs Redis: the memory store lives inside
            one `permiso serve` process. From then on, every instance refuses what was issued until now: refresh
            tokens and codes at the token endpoint, access tokens at userinfo and introspection, and for a user or
            a session, the browser's session too. Resource servers that check access tokens offline accept them
            until they expire. Give exactly one of:
                permiso revoke --subject alice         a user's tokens and sessions (by sub)
                permiso revoke --client reports        a client's tokens
                permiso revoke --session SID           one login session (the sid claim)
            """
    )

    @OptionGroup var options: ConfigOption

    // `.unconditional`: ids may begin with "-" (a session id is base64url), and the value
    // after each option is always its value, never another option.
    @Option(parsing: .unconditional, help: "A user's subject (the sub claim), or a client's id for its client_credentials tokens.")
    var subject: String?

    @Option(parsing: .unconditional, help: "A client id.")
    var client: String?

    @Option(parsing: .unconditional, help: "A login session id (the sid claim of its ID tokens).")
    var session: String?

    func validate() throws {
        let given = [subject, client, session].compactMap { $0 }
        guard given.count == 1 else { throw ValidationError("give exactly one of --subject, --client and --session") }
        if let subject, subject.isEmpty || subject.utf8.count > 255 {
            throw ValidationError("--subject must be 1 to 255 bytes, as subjects are")
        }
        if let client, !ClientConfig.isID(client) {
            throw ValidationError("--client must be a client id: letters, digits, '.', '_', '~' or '-'")
        }
        if let session, !LoginSession.isSessionID(session) {
            throw ValidationError("--session must be a session id as the sid claim carries it")
        }
    }

    func run() async throws {
        let config = try PermisoConfig.load(file: options.config)
        guard case .redis = config.stateStore else {
            throw CommandError(
                "\(options.config): stateStore is memory, which lives inside one permiso serve process; revoking needs the shared Redis store"
            )
        }
        // The one failure worth saying is the command's own, below; the store's log stays quiet.
        var quiet = Logger(label: "permiso")
        quiet.logLevel = .critical
        let state = ProtocolState(store: try LiveDeployment.makeStore(config.stateStore, logger: quiet))
        let now = Date()
        let done: String
        do {
            if let subject {
                try await state.revocations.revokeAll(of: .subject(subject), lifetimes: config.lifetimes, now: now)
                done = "every token and session of subject \(subject)"
                if !config.users.contains(where: { $0.subject == subject }) && !config.clients.contains(where: { $0.id == subject }) {
                    Console.note("note: no user or client in \(options.config) has the subject \(subject)")
                }
            } else if let client {
                try await state.revocations.revokeAll(of: .client(client), lifetimes: config.lifetimes, now: now)
                done = "every token of client \(client)"
                if !config.clients.contains(where: { $0.id == client }) { Console.note("note: \(options.config) has no client \(client)") }
            } else {
                try await state.sessions.end(sessionID: session!, lifetimes: config.lifetimes, now: now)
                done = "session \(session!) and every token issued in it"
            }
        } catch {
            // The URL may hold a password: say what failed, never echo the store's address.
            throw CommandError("the state store did not confirm the revocation (\(error)); it may not have been recorded: run the command again")
        }
        let until = now.addingTimeInterval(TimeInterval(Revocations.clockMargin))
        print("Revoked \(done), issued up to \(Timestamp.format(until)), on every instance sharing this store.")
    }
}
