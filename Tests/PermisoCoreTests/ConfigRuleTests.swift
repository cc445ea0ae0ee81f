import Foundation
import PermisoTesting
import Testing

@testable import PermisoCore

/// One validation rule: a config that breaks it, and the exact diagnostics it must produce.
struct RuleCase: CustomTestStringConvertible, Sendable {
    var name: String
    var yaml: String
    var expected: [String]
    var environment: [String: String] = [:]
    var files: [String: String] = [:]

    var testDescription: String { name }
}

/// A client under a valid issuer; the client's keys start on line 3, column 5.
private func client(_ body: String) -> String {
    "issuer: https://id.example.com\nclients:\n  - id: app\n"
        + body.split(separator: "\n", omittingEmptySubsequences: false)
        .map { "    " + $0 }.joined(separator: "\n") + "\n"
}

/// A user under a valid issuer; the user's keys start on line 3, column 5.
private func user(_ body: String) -> String {
    "issuer: https://id.example.com\nusers:\n  - username: carol\n    passwordHash: \"\(Fixture.passwordHash)\"\n"
        + body.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
        + "\n"
}

@Suite("Config validation rules")
struct ConfigRuleTests {
    static let cases: [RuleCase] = [
        // Issuer: OIDC Discovery §3, RFC 8414 §2.
        RuleCase(
            name: "issuer must be https on a public host",
            yaml: "issuer: http://id.example.com\n",
            expected: [
                "permiso.yaml:1:9: error: issuer: expected https (http is allowed only for loopback hosts such as 127.0.0.1), got \"http://id.example.com\""
            ]
        ),
        RuleCase(name: "issuer may be http on loopback", yaml: "issuer: http://127.0.0.1:8080\n", expected: []),
        RuleCase(
            name: "issuer has no query",
            yaml: "issuer: https://id.example.com?tenant=1\n",
            expected: [
                "permiso.yaml:1:9: error: issuer: must not contain a query or fragment (OIDC Discovery §3), got \"https://id.example.com?tenant=1\""
            ]
        ),
        RuleCase(
            name: "issuer has no fragment",
            yaml: "issuer: https://id.example.com#top\n",
            expected: [
                "permiso.yaml:1:9: error: issuer: must not contain a query or fragment (OIDC Discovery §3), got \"https://id.example.com#top\""
            ]
        ),
        RuleCase(
            name: "issuer has no trailing slash",
            yaml: "issuer: https://id.example.com/\n",
            expected: ["permiso.yaml:1:9: error: issuer: must not end with a slash, got \"https://id.example.com/\""]
        ),
        RuleCase(
            name: "issuer is absolute",
            yaml: "issuer: id.example.com\n",
            expected: ["permiso.yaml:1:9: error: issuer: expected an absolute https URL, got \"id.example.com\""]
        ),
        RuleCase(
            name: "serviceURL follows the issuer's rules",
            yaml: "issuer: https://id.example.com\nserviceURL: http://login.example.com\n",
            expected: [
                "permiso.yaml:2:13: error: serviceURL: expected https (http is allowed only for loopback hosts such as 127.0.0.1), got \"http://login.example.com\""
            ]
        ),

        // Redirect URIs: RFC 6749 §3.1.2, RFC 8252 §7, RFC 9700 §4.1.3.
        RuleCase(
            name: "redirect URI over http to a public host",
            yaml: client("redirectURIs:\n  - http://app.example.com/cb"),
            expected: [
                "permiso.yaml:5:9: error: clients[0].redirectURIs[0]: expected https; http is allowed only for loopback hosts (RFC 8252 §8.3), got \"http://app.example.com/cb\""
            ]
        ),
        RuleCase(
            name: "redirect URIs on loopback and private-use schemes are fine for native apps",
            yaml: client(
                "tokenEndpointAuthMethod: none\nredirectURIs:\n  - http://127.0.0.1/cb\n  - http://[::1]:8080/cb\n  - http://localhost:3000/cb\n  - com.example.app:/oauth"
            ),
            expected: []
        ),
        RuleCase(
            name: "private-use schemes must be reverse domain names",
            yaml: client("redirectURIs:\n  - myapp:/cb\n  - javascript:alert(1)"),
            expected: [
                "permiso.yaml:5:9: error: clients[0].redirectURIs[0]: expected https, loopback http, or a private-use scheme based on a reverse domain name such as com.example.app (RFC 8252 §7.1), got \"myapp:/cb\"",
                "permiso.yaml:6:9: error: clients[0].redirectURIs[1]: expected https, loopback http, or a private-use scheme based on a reverse domain name such as com.example.app (RFC 8252 §7.1), got \"javascript:alert(1)\"",
            ]
        ),
        RuleCase(
            name: "redirect URIs carry no wildcard",
            yaml: client("redirectURIs:\n  - https://*.example.com/cb"),
            expected: [
                "permiso.yaml:5:9: error: clients[0].redirectURIs[0]: wildcards are not allowed; list each URI, they are matched exactly (RFC 9700 §4.1.3), got \"https://*.example.com/cb\""
            ]
        ),
        RuleCase(
            name: "redirect URIs are absolute",
            yaml: client("redirectURIs:\n  - /callback"),
            expected: ["permiso.yaml:5:9: error: clients[0].redirectURIs[0]: expected an absolute URI, got \"/callback\""]
        ),
        RuleCase(
            name: "a redirect URI is listed once",
            yaml: client("redirectURIs:\n  - https://app.example.com/cb\n  - https://app.example.com/cb"),
            expected: ["permiso.yaml:6:9: error: clients[0].redirectURIs[1]: \"https://app.example.com/cb\" is listed twice"]
        ),
        RuleCase(
            name: "post-logout redirect URIs follow the same rules",
            yaml: client("redirectURIs: [https://app.example.com/cb]\npostLogoutRedirectURIs:\n  - https://app.example.com/#bye"),
            expected: [
                "permiso.yaml:6:9: error: clients[0].postLogoutRedirectURIs[0]: must not contain a fragment (RFC 6749 §3.1.2), got \"https://app.example.com/#bye\""
            ]
        ),

        // Clients: ids, authentication and grants.
        RuleCase(
            name: "client ids are URL-safe",
            yaml: "issuer: https://id.example.com\nclients:\n  - id: my app\n",
            expected: [
                "permiso.yaml:3:9: error: clients[0].id: expected letters, digits, '.', '_', '~' or '-', got \"my app\""
            ]
        ),
        RuleCase(
            name: "authorization_code needs a redirect URI",
            yaml: client("name: App"),
            expected: ["permiso.yaml:3:5: error: clients[0]: authorization_code needs at least one entry in redirectURIs"]
        ),
        RuleCase(
            name: "refresh_token needs a grant that issues refresh tokens",
            yaml: client("secretHash: \"\(Fixture.secretHash)\"\ngrantTypes: [client_credentials, refresh_token]"),
            expected: [
                "permiso.yaml:5:17: error: clients[0].grantTypes: refresh_token needs authorization_code or the device_code grant, which issue refresh tokens"
            ]
        ),
        RuleCase(
            name: "offline_access needs the refresh_token grant",
            yaml: client("redirectURIs: [https://app.example.com/cb]\ngrantTypes: [authorization_code]\nscopes: [openid, offline_access]"),
            expected: ["permiso.yaml:5:17: error: clients[0].grantTypes: scope offline_access needs the refresh_token grant"]
        ),
        RuleCase(
            name: "a public client has no secret",
            yaml: client("secretHash: \"\(Fixture.secretHash)\"\ntokenEndpointAuthMethod: none\nredirectURIs: [https://app.example.com/cb]"),
            expected: ["permiso.yaml:5:30: error: clients[0].tokenEndpointAuthMethod: a public client (none) must not have a secretHash"]
        ),
        RuleCase(
            name: "secret-based authentication needs a secret",
            yaml: client("tokenEndpointAuthMethod: client_secret_post\nredirectURIs: [https://app.example.com/cb]"),
            expected: [
                "permiso.yaml:4:30: error: clients[0].tokenEndpointAuthMethod: client_secret_post needs a secretHash (make one with `permiso hash-password`)"
            ]
        ),
        RuleCase(
            name: "public clients cannot turn PKCE off",
            yaml: client("redirectURIs: [https://app.example.com/cb]\nrequirePKCE: false"),
            expected: ["permiso.yaml:5:18: error: clients[0].requirePKCE: public clients always require PKCE (RFC 9700 §2.1.1)"]
        ),
        RuleCase(
            name: "unknown grant types are named",
            yaml: client("redirectURIs: [https://app.example.com/cb]\ngrantTypes: [implicit]"),
            expected: [
                "permiso.yaml:5:18: error: clients[0].grantTypes[0]: expected one of authorization_code, refresh_token, client_credentials, urn:ietf:params:oauth:grant-type:device_code, got \"implicit\""
            ]
        ),

        // Scopes.
        RuleCase(
            name: "standard scopes cannot be redefined",
            yaml: "issuer: https://id.example.com\nscopes:\n  email:\n    description: Mail\n",
            expected: ["permiso.yaml:4:5: error: scopes.email: email is a standard scope and is built in; choose another name"]
        ),
        RuleCase(
            name: "scope names follow RFC 6749 §3.3",
            yaml: "issuer: https://id.example.com\nscopes:\n  \"read all\":\n    description: Everything\n",
            expected: [
                "permiso.yaml:4:5: error: scopes.read all: \"read all\" is not a valid scope name (RFC 6749 §3.3: printable ASCII without spaces, quotes or backslashes)"
            ]
        ),
        RuleCase(
            name: "scopes cannot release protocol claims",
            yaml: "issuer: https://id.example.com\nscopes:\n  me:\n    description: Me\n    claims: [sub]\n",
            expected: ["permiso.yaml:5:14: error: scopes.me.claims[0]: sub is set by Permiso itself and cannot be released by a scope"]
        ),

        // Secrets by reference.
        RuleCase(
            name: "a plain-text secret is refused",
            yaml: client("secretHash: hunter2\nredirectURIs: [https://app.example.com/cb]"),
            expected: [
                "permiso.yaml:4:17: error: clients[0].secretHash: expected a bcrypt ($2b$), yescrypt ($y$) or sha512-crypt ($6$) hash of the client secret; make one with `permiso hash-password`, never write the client secret itself"
            ]
        ),
        RuleCase(
            name: "a secret from the environment",
            yaml: client("secretHash: ${APP_SECRET_HASH}\nredirectURIs: [https://app.example.com/cb]"),
            expected: [],
            environment: ["APP_SECRET_HASH": Fixture.secretHash]
        ),
        RuleCase(
            name: "a missing environment variable",
            yaml: client("secretHash: ${APP_SECRET_HASH}\nredirectURIs: [https://app.example.com/cb]"),
            expected: ["permiso.yaml:4:17: error: clients[0].secretHash: environment variable APP_SECRET_HASH is not set"]
        ),
        RuleCase(
            name: "a secret from a file",
            yaml: client("secretHash: ./app.hash\nredirectURIs: [https://app.example.com/cb]"),
            expected: [],
            files: ["app.hash": Fixture.secretHash + "\n"]
        ),
        RuleCase(
            name: "a file reference that holds no hash",
            yaml: client("secretHash: ./app.hash\nredirectURIs: [https://app.example.com/cb]"),
            expected: [
                "permiso.yaml:4:17: error: clients[0].secretHash: expected a bcrypt ($2b$), yescrypt ($y$) or sha512-crypt ($6$) hash of the client secret (from ./app.hash); make one with `permiso hash-password`, never write the client secret itself"
            ],
            files: ["app.hash": "hunter2\n"]
        ),
        RuleCase(
            name: "the state store's password stays out of the config",
            yaml: "issuer: https://id.example.com\nstateStore: redis://:hunter2@redis.internal:6379/0\n",
            expected: [
                "permiso.yaml:2:13: error: stateStore: a password must not be written in the config; use ${ENV_VAR} or a file path for the whole URL"
            ]
        ),
        RuleCase(
            name: "the state store's password may come from the environment",
            yaml: "issuer: https://id.example.com\nstateStore: ${REDIS_URL}\n",
            expected: [],
            environment: ["REDIS_URL": "redis://:hunter2@redis.internal:6379/0"]
        ),
        RuleCase(
            name: "the state store is memory or Redis",
            yaml: "issuer: https://id.example.com\nstateStore: postgres://db\n",
            expected: [
                "permiso.yaml:2:13: error: stateStore: expected memory or a Redis URL: expected the scheme redis://, rediss://, redis+sentinel:// or rediss+sentinel://, got postgres://"
            ]
        ),
        RuleCase(
            name: "a Redis URL with a port out of range",
            yaml: "issuer: https://id.example.com\nstateStore: redis://127.0.0.1:70000\n",
            expected: [
                "permiso.yaml:2:13: error: stateStore: expected memory or a Redis URL: the port must be a number 1–65535"
            ]
        ),
        RuleCase(
            name: "a Redis URL whose path is not a database number",
            yaml: "issuer: https://id.example.com\nstateStore: redis://127.0.0.1:6379/sessions\n",
            expected: [
                "permiso.yaml:2:13: error: stateStore: expected memory or a Redis URL: the database must be a number 0–15"
            ]
        ),
        RuleCase(
            name: "a Redis URL without a host",
            yaml: "issuer: https://id.example.com\nstateStore: \"redis://:6379\"\n",
            expected: ["permiso.yaml:2:13: error: stateStore: expected memory or a Redis URL: the URL names no host"]
        ),
        RuleCase(
            name: "a Redis URL with an unknown parameter",
            yaml: "issuer: https://id.example.com\nstateStore: rediss://redis.internal?timeout=5\n",
            expected: [
                "permiso.yaml:2:13: error: stateStore: expected memory or a Redis URL: unknown URL parameter timeout; only ssl_ca_certs=PATH is read"
            ]
        ),
        RuleCase(
            name: "a CA file for Redis TLS must exist, relative to the config",
            yaml: "issuer: https://id.example.com\nstateStore: rediss://redis.internal?ssl_ca_certs=./missing.pem\n",
            expected: ["permiso.yaml:2:13: error: stateStore: ssl_ca_certs: no readable file at missing.pem"]
        ),
        RuleCase(
            name: "a bad Redis URL from the environment is reported without its password",
            yaml: "issuer: https://id.example.com\nstateStore: ${REDIS_URL}\n",
            expected: [
                "permiso.yaml:2:13: error: stateStore: expected memory or a Redis URL: the database must be a number 0–15"
            ],
            environment: ["REDIS_URL": "redis://:hunter2@redis.internal:6379/x"]
        ),

        RuleCase(
            name: "a Sentinel URL with both passwords from the environment",
            yaml: "issuer: https://id.example.com\nstateStore: ${REDIS_URL}\n",
            expected: [],
            environment: ["REDIS_URL": "redis+sentinel://:hunter2@s1:26379,s2,[::1]:26380/mymaster/2?sentinel_password=guard"]
        ),
        RuleCase(
            name: "the sentinels' password stays out of the config too",
            yaml: "issuer: https://id.example.com\nstateStore: redis+sentinel://s1,s2/mymaster?sentinel_password=guard\n",
            expected: [
                "permiso.yaml:2:13: error: stateStore: a password must not be written in the config; use ${ENV_VAR} or a file path for the whole URL"
            ]
        ),
        RuleCase(
            name: "a Sentinel URL names its master",
            yaml: "issuer: https://id.example.com\nstateStore: redis+sentinel://s1:26379,s2:26379\n",
            expected: [
                "permiso.yaml:2:13: error: stateStore: expected memory or a Redis URL: a sentinel URL names its master: redis+sentinel://host:26379/mymaster"
            ]
        ),
        RuleCase(
            name: "several hosts are sentinels, never servers",
            yaml: "issuer: https://id.example.com\nstateStore: redis://r1,r2/0\n",
            expected: [
                "permiso.yaml:2:13: error: stateStore: expected memory or a Redis URL: several hosts need redis+sentinel:// (a single server takes one host)"
            ]
        ),
        RuleCase(
            name: "an empty sentinel in the list",
            yaml: "issuer: https://id.example.com\nstateStore: redis+sentinel://s1,,s2/mymaster\n",
            expected: ["permiso.yaml:2:13: error: stateStore: expected memory or a Redis URL: the URL names no host"]
        ),
        RuleCase(
            name: "replication needs Redis",
            yaml: "issuer: https://id.example.com\nstateStoreReplication:\n  replicas: 1\n",
            expected: [
                "permiso.yaml:3:3: error: stateStoreReplication: replication needs a Redis stateStore; the memory store has no replicas"
            ]
        ),
        RuleCase(
            name: "replication with Redis, within bounds",
            yaml:
                "issuer: https://id.example.com\nstateStore: redis+sentinel://s1/mymaster\nstateStoreReplication:\n  replicas: 0\n  timeoutMilliseconds: 5000\n",
            expected: [
                "permiso.yaml:4:13: error: stateStoreReplication.replicas: expected 1 to 16 replicas, got 0",
                "permiso.yaml:5:24: error: stateStoreReplication.timeoutMilliseconds: expected 1 to 1000 milliseconds, got 5000",
            ]
        ),
        RuleCase(
            name: "replication names how many replicas",
            yaml: "issuer: https://id.example.com\nstateStore: redis://r1\nstateStoreReplication:\n  timeoutMilliseconds: 50\n",
            expected: [
                "permiso.yaml:4:3: error: stateStoreReplication: missing required key \"replicas\" (Replicas that must confirm each write (the numreplicas of WAIT).)"
            ]
        ),

        // Users and their claims (OIDC Core §2, §5.1).
        RuleCase(
            name: "users cannot set protocol claims",
            yaml: user("claims:\n  sub: root"),
            expected: ["permiso.yaml:6:12: error: users[0].claims.sub: sub is set by Permiso itself; remove it (use subject: for sub)"]
        ),
        RuleCase(
            name: "email_verified is a boolean",
            yaml: user("claims:\n  email_verified: \"yes\""),
            expected: ["permiso.yaml:6:23: error: users[0].claims.email_verified: expected true or false (OIDC Core §5.1)"]
        ),
        RuleCase(
            name: "email is an address",
            yaml: user("claims:\n  email: carol"),
            expected: ["permiso.yaml:6:14: error: users[0].claims.email: expected an email address, got \"carol\""]
        ),
        RuleCase(
            name: "groups is a list of names",
            yaml: user("claims:\n  groups: admins"),
            expected: ["permiso.yaml:6:15: error: users[0].claims.groups: expected a list of group names"]
        ),
        RuleCase(
            name: "subjects are at most 255 characters",
            yaml: user("subject: \(String(repeating: "s", count: 256))"),
            expected: ["permiso.yaml:5:14: error: users[0].subject: the subject must be at most 255 ASCII characters (OIDC Core §2)"]
        ),
        RuleCase(
            name: "a password hash is required",
            yaml: "issuer: https://id.example.com\nusers:\n  - username: dave\n",
            expected: [
                "permiso.yaml:3:5: error: users[0]: missing required key \"passwordHash\" (A bcrypt (`$2b$`), yescrypt (`$y$`) or sha512-crypt (`$6$`) hash from `permiso hash-password`, `htpasswd -B` or `mkpasswd`; inline, `${ENV_VAR}` or a file path.)"
            ]
        ),
        RuleCase(
            name: "subjects are unique",
            yaml: user("subject: same") + "  - username: erin\n    passwordHash: \"\(Fixture.passwordHash)\"\n    subject: same\n",
            expected: ["permiso.yaml:6:5: error: users[1]: duplicate subject \"same\"; first used in permiso.yaml at line 3"]
        ),

        RuleCase(
            name: "a client without client_credentials may share a user's subject (it is never a token's sub)",
            yaml: user("subject: webapp")
                + "clients:\n  - id: webapp\n    secretHash: \"\(Fixture.secretHash)\"\n    redirectURIs: [https://app.example.com/cb]\n",
            expected: []
        ),
        RuleCase(
            name: "a client id is never a user's subject (RFC 9068 §5)",
            yaml: user("subject: backend")
                + "clients:\n  - id: backend\n    secretHash: \"\(Fixture.secretHash)\"\n    grantTypes: [client_credentials]\n    scopes: [profile]\n",
            expected: [
                "permiso.yaml:7:9: error: clients[0].id: client id \"backend\" is also a user's subject; its client_credentials tokens would carry the same sub as that user's (RFC 9068 §5)"
            ]
        ),

        // Lifetimes.
        RuleCase(
            name: "codes live at most 60 seconds",
            yaml: "issuer: https://id.example.com\nlifetimes:\n  authorizationCode: 5m\n",
            expected: [
                "permiso.yaml:3:22: error: lifetimes.authorizationCode: must be at most 1m (sealed codes cannot be revoked), got 5m"
            ]
        ),
        RuleCase(
            name: "lifetimes are positive",
            yaml: "issuer: https://id.example.com\nlifetimes:\n  accessToken: 0\n",
            expected: ["permiso.yaml:3:16: error: lifetimes.accessToken: expected a duration longer than zero"]
        ),
        RuleCase(
            name: "refresh tokens outlive access tokens",
            yaml: "issuer: https://id.example.com\nlifetimes:\n  accessToken: 2h\n  refreshToken: 1h\n",
            expected: ["permiso.yaml:4:17: error: lifetimes.refreshToken: must be at least as long as accessToken"]
        ),

        // Branding.
        RuleCase(
            name: "text contrasts with the background (WCAG AA)",
            yaml: "issuer: https://id.example.com\nbranding:\n  colors:\n    text: \"#777777\"\n    background: \"#ffffff\"\n",
            expected: [
                "permiso.yaml:4:11: error: branding.colors.text: contrast of #777777 against background #ffffff is 4.48:1; expected at least 4.5:1 (WCAG 2.1 §1.4.3)"
            ]
        ),
        RuleCase(
            name: "colours are #rrggbb",
            yaml: "issuer: https://id.example.com\nbranding:\n  colors:\n    primary: red\n",
            expected: ["permiso.yaml:4:14: error: branding.colors.primary: expected a colour as #rrggbb, got \"red\""]
        ),
        RuleCase(
            name: "the logo loads over https",
            yaml: "issuer: https://id.example.com\nbranding:\n  logoURL: http://cdn.example.com/logo.png\n",
            expected: [
                "permiso.yaml:3:12: error: branding.logoURL: expected https (http only for loopback hosts), got \"http://cdn.example.com/logo.png\""
            ]
        ),
    ]

    @Test("Each rule reports its exact message and position (or none)", arguments: cases)
    func rule(_ rule: RuleCase) throws {
        let errors = try diagnostics(rule.yaml, environment: rule.environment, files: rule.files)
        #expect(errors == rule.expected)
    }
}
