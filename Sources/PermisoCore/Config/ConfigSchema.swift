/// The shape of `permiso.yaml` and of the users file it may name.
///
/// The loader checks keys against these specs and `permiso schema` renders them as JSON
/// Schema, so this file is the config reference.
public enum ConfigSchema {
    static let durationSummary = "A duration: `90s`, `10m`, `12h`, `30d`, or whole seconds."

    /// A default lifetime as the config would write it, from `Lifetimes` itself, so the
    /// schema and the loader cannot disagree.
    static func defaultDuration(_ keyPath: KeyPath<Lifetimes, Int>) -> JSONValue {
        .string(DurationText.text(for: Lifetimes()[keyPath: keyPath]))
    }

    public static let lifetimes = ObjectSpec(
        title: "Lifetimes",
        summary: "How long each issued value lives, and how long a key stays active. " + durationSummary,
        fields: [
            FieldSpec(
                "authorizationCode",
                .duration,
                default: defaultDuration(\.authorizationCode),
                "Authorization codes; at most 1m (a sealed code cannot be revoked)."
            ),
            FieldSpec("accessToken", .duration, default: defaultDuration(\.accessToken), "Access tokens (RFC 9068 JWTs)."),
            FieldSpec("idToken", .duration, default: defaultDuration(\.idToken), "ID tokens."),
            FieldSpec("refreshToken", .duration, default: defaultDuration(\.refreshToken), "Refresh tokens; each use rotates them."),
            FieldSpec("session", .duration, default: defaultDuration(\.session), "The login session cookie."),
            FieldSpec("deviceCode", .duration, default: defaultDuration(\.deviceCode), "Device codes and their user codes (RFC 8628)."),
            FieldSpec(
                "activeKey",
                .duration,
                default: defaultDuration(\.activeKey),
                "How long a signing key or sealing secret stays active before `permiso keys rotate` should replace it; permiso_key_rotation_due_seconds counts down to it."
            ),
        ]
    )

    public static let stateStoreReplication = ObjectSpec(
        title: "State store replication",
        summary: "How many Redis replicas must confirm a write before Permiso relies on it.",
        fields: [
            FieldSpec(
                "replicas",
                .integer(minimum: 1, maximum: 16),
                required: true,
                "Replicas that must confirm each write (the numreplicas of WAIT)."
            ),
            FieldSpec(
                "timeoutMilliseconds",
                .integer(minimum: 1, maximum: 1_000),
                default: 100,
                "How long to wait for them; a write not confirmed in time fails closed (temporarily_unavailable)."
            ),
        ]
    )

    public static let site = ObjectSpec(
        title: "Site",
        summary: "How static hosts should cache the files `permiso build` writes.",
        fields: [
            FieldSpec(
                "discoveryMaxAge",
                .duration,
                default: "1h",
                "Cache-Control max-age of the discovery documents."
            ),
            FieldSpec(
                "jwksMaxAge",
                .duration,
                default: "5m",
                "Cache-Control max-age of the JWKS; keep it shorter than the time a retired key stays published."
            ),
        ]
    )

    public static let colors = ObjectSpec(
        title: "Colors",
        summary: "Page colours as `#rrggbb`; text must contrast with the background at WCAG AA (4.5:1).",
        fields: [
            FieldSpec("primary", .string(pattern: hexColorPattern), default: "#1f4fd1", "Buttons and links."),
            FieldSpec("background", .string(pattern: hexColorPattern), default: "#f5f6f8", "Page background."),
            FieldSpec("text", .string(pattern: hexColorPattern), default: "#1b1d21", "Body text."),
        ]
    )

    public static let hexColorPattern = "^#[0-9a-fA-F]{6}$"

    public static let branding = ObjectSpec(
        title: "Branding",
        summary: "What the login, consent, device and logout pages look like.",
        fields: [
            FieldSpec("name", .string(), default: "Permiso", "The product name shown on every page."),
            FieldSpec("logoURL", .url, "An https (or loopback http) URL of a logo image."),
            FieldSpec("colors", .object(colors), "Page colours."),
        ]
    )

    public static let scope = ObjectSpec(
        title: "Scope",
        summary: "A custom scope and the user claims it releases.",
        fields: [
            FieldSpec("description", .string(), required: true, "Shown to the user on the consent page."),
            FieldSpec("claims", .list(.string()), default: [], "The user claims this scope releases."),
        ]
    )

    public static let client = ObjectSpec(
        title: "Client",
        summary: "A relying party allowed to use Permiso.",
        fields: [
            FieldSpec("id", .string(pattern: ClientConfig.idPattern), required: true, "The client_id; unique."),
            FieldSpec("name", .string(), "Shown on the consent page; defaults to the id."),
            FieldSpec(
                "secretHash",
                .secretReference,
                "Confidential clients: a crypt hash of the client secret (`permiso hash-password`), inline, `${ENV_VAR}` or a file path. Omit for public clients."
            ),
            FieldSpec(
                "tokenEndpointAuthMethod",
                .enumeration(ClientAuthMethod.allCases.map(\.rawValue)),
                "`client_secret_basic` (default with a secret), `client_secret_post`, or `none` (public clients, the default without a secret)."
            ),
            FieldSpec("redirectURIs", .list(.url), default: [], "Exact redirect URIs (RFC 6749 §3.1.2)."),
            FieldSpec(
                "postLogoutRedirectURIs",
                .list(.url),
                default: [],
                "Exact URIs RP-initiated logout may return to."
            ),
            FieldSpec(
                "grantTypes",
                .list(.enumeration(GrantType.allCases.map(\.rawValue))),
                default: ["authorization_code", "refresh_token"],
                "Grants this client may use."
            ),
            FieldSpec("scopes", .list(.string()), default: ["openid"], "Scopes this client may request."),
            FieldSpec(
                "idTokenSignedResponseAlg",
                .enumeration(SigningAlgorithm.allCases.map(\.rawValue)),
                default: "RS256",
                "The ID token's signing algorithm; needs an active key of that algorithm."
            ),
            FieldSpec(
                "accessTokenSigningAlg",
                .enumeration(SigningAlgorithm.allCases.map(\.rawValue)),
                "What signs this client's access tokens, where the API names no algorithm of its own; needs an active key of that algorithm. Defaults to idTokenSignedResponseAlg."
            ),
            FieldSpec(
                "requirePKCE",
                .boolean,
                "Require PKCE (S256) on every authorization request. Always true for public clients; defaults to false for confidential ones, which use PKCE whenever they send it."
            ),
            FieldSpec(
                "firstParty",
                .boolean,
                default: false,
                "Skip the consent page for this client (confidential clients only: a public client is asked every time, RFC 8252 §8.6)."
            ),
            FieldSpec(
                "requireMFA",
                .boolean,
                default: false,
                "Every sign-in for this client needs a second factor; a password-only session is asked for one (step-up)."
            ),
            FieldSpec(
                "backchannelLogoutURI",
                .url,
                "OpenID Back-Channel Logout: where Permiso POSTs a logout token when a session this client signed in with ends (https, or http on loopback)."
            ),
            FieldSpec(
                "backchannelLogoutSessionRequired",
                .boolean,
                default: false,
                "The client needs sid in its logout tokens; Permiso always sends sid and sub."
            ),
            FieldSpec(
                "frontchannelLogoutURI",
                .url,
                "OpenID Front-Channel Logout: a page the signed-out page loads in a hidden frame, for each client of the session (https, or http on loopback)."
            ),
            FieldSpec(
                "frontchannelLogoutSessionRequired",
                .boolean,
                default: false,
                "Add iss and sid to the front-channel logout URI's query."
            ),
            FieldSpec(
                "resources",
                .list(.string()),
                default: [],
                "The APIs (ids under resources) this client may ask access tokens for with the resource parameter (RFC 8707)."
            ),
            FieldSpec(
                "introspect",
                .boolean,
                default: false,
                "May call the introspection endpoint (RFC 7662) about any token of this issuer; confidential clients only."
            ),
            FieldSpec(
                "disabled",
                .boolean,
                default: false,
                "Refuse this client everything (authentication, authorization, grants, refreshes; its tokens at userinfo and introspection) from the next reload on, keeping its entry."
            ),
        ]
    )

    public static let resource = ObjectSpec(
        title: "Resource",
        summary: "An API that accepts access tokens issued for it (RFC 8707 resource indicator, RFC 9728 metadata).",
        fields: [
            FieldSpec(
                "id",
                .url,
                required: true,
                "The resource indicator: an absolute https (or loopback http) URI with no query or fragment; the aud of its access tokens; unique."
            ),
            FieldSpec("name", .string(), "A name for people (RFC 9728 resource_name); defaults to the id."),
            FieldSpec(
                "scopes",
                .list(.string()),
                default: [],
                "The scopes its tokens may carry (defined under scopes): a token for this API carries the granted ones among these."
            ),
            FieldSpec(
                "accessTokenLifetime",
                .duration,
                "Its access tokens' lifetime; at most, and by default, lifetimes.accessToken."
            ),
            FieldSpec(
                "accessTokenSigningAlg",
                .enumeration(SigningAlgorithm.allCases.map(\.rawValue)),
                "What signs its access tokens; needs an active key of that algorithm. Defaults to the client's accessTokenSigningAlg, then its idTokenSignedResponseAlg."
            ),
            FieldSpec("documentation", .url, "A page for developers of its clients (RFC 9728 resource_documentation)."),
        ]
    )

    public static let user = ObjectSpec(
        title: "User",
        summary: "A person who can log in.",
        fields: [
            FieldSpec("username", .string(), required: true, "What the user types on the login page; unique."),
            FieldSpec(
                "passwordHash",
                .secretReference,
                required: true,
                "A bcrypt (`$2b$`), yescrypt (`$y$`) or sha512-crypt (`$6$`) hash from `permiso hash-password`, `htpasswd -B` or `mkpasswd`; inline, `${ENV_VAR}` or a file path."
            ),
            FieldSpec(
                "subject",
                .string(),
                "The stable `sub` claim (at most 255 ASCII characters); defaults to the username."
            ),
            FieldSpec(
                "claims",
                .map(.anyJSON),
                default: [:],
                "Claims released by scopes: email, email_verified, name, preferred_username, groups, …"
            ),
            FieldSpec("totp", .object(totp), "A TOTP authenticator app, asked for after the password (`permiso totp enroll`)."),
            FieldSpec(
                "passkeys",
                .list(.object(passkey)),
                "Passkeys (WebAuthn): sign-in without a username, or the second factor. `/account/passkeys` shows the entry to add."
            ),
            FieldSpec(
                "recoveryCodes",
                .list(.string(pattern: "^sha256:[A-Za-z0-9_-]{43}$")),
                "Hashes of one-time recovery codes, for when the second factor is lost (`permiso recovery-codes generate`)."
            ),
            FieldSpec(
                "mfa",
                .enumeration(SecondFactorPolicy.allCases.map(\.rawValue)),
                "`required`: every sign-in asks for the second factor (the default for a user who has one; an error without one). `optional`: only when the client or the request needs it (step-up)."
            ),
            FieldSpec(
                "disabled",
                .boolean,
                default: false,
                "Refuse this user everything (sign-in, grants, refreshes, userinfo, introspection) from the next reload on, keeping the entry and its subject."
            ),
        ]
    )

    public static let passkey = ObjectSpec(
        title: "Passkey",
        summary: "A WebAuthn credential, as `/account/passkeys` shows it after verifying it.",
        fields: [
            FieldSpec("name", .string(), required: true, "What the person called it."),
            FieldSpec("id", .string(pattern: "^[A-Za-z0-9_-]+$"), required: true, "The credential id, base64url; unique across users."),
            FieldSpec(
                "publicKey",
                .map(.string()),
                required: true,
                "The public key as a JWK: `EC` on `P-256` (ES256), `OKP` `Ed25519` (EdDSA) or `RSA` of 2048 to 4096 bits (RS256)."
            ),
            FieldSpec(
                "transports",
                .list(.enumeration(PasskeyConfig.knownTransports.sorted())),
                "How the browser may reach the authenticator, as it reported at registration."
            ),
            FieldSpec("created", .string(pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), "The day it was registered."),
        ]
    )

    public static let totp = ObjectSpec(
        title: "TOTP authenticator",
        summary: "A user's authenticator app (RFC 6238).",
        fields: [
            FieldSpec(
                "secret",
                .secretReference,
                required: true,
                "The base32 secret, by reference only: `${ENV_VAR}` or a file path, never inline."
            ),
            FieldSpec(
                "algorithm",
                .enumeration(TOTPConfig.Algorithm.allCases.map(\.rawValue)),
                default: "SHA1",
                "HMAC algorithm; SHA1 is what every app supports."
            ),
            FieldSpec("digits", .integer(minimum: 6, maximum: 8), default: 6, "Digits per code."),
            FieldSpec("period", .integer(minimum: 15, maximum: 120), default: 30, "Seconds per code."),
        ]
    )

    public static let config = ObjectSpec(
        title: "Permiso configuration",
        summary: "The declarative source of truth for one Permiso deployment.",
        fields: [
            FieldSpec(
                "issuer",
                .url,
                required: true,
                "The issuer identifier: https (or http on a loopback host for development), no query or fragment, no trailing slash. The discovery documents and JWKS are published under it."
            ),
            FieldSpec(
                "serviceURL",
                .url,
                "Where the token service answers /oauth/*, when that is not the issuer (for example when a CDN serves the issuer's static files). Defaults to the issuer."
            ),
            FieldSpec("keys", .string(), default: "keys", "The keys folder, relative to this file."),
            FieldSpec(
                "stateStore",
                .secretReference,
                default: "memory",
                "`memory` (one instance), `redis://host:port/db` (many instances) or `redis+sentinel://sentinel1,sentinel2/master` (Redis Sentinel); credentials only via `${ENV_VAR}` or a file."
            ),
            FieldSpec(
                "stateStoreReplication",
                .object(stateStoreReplication),
                "With Redis replicas: acknowledge a single-use claim, denial or revocation only once replicas hold it (Redis WAIT), so a failover cannot forget it. Off by default."
            ),
            FieldSpec("lifetimes", .object(lifetimes), "Token and session lifetimes."),
            FieldSpec("site", .object(site), "Caching of the static files."),
            FieldSpec("branding", .object(branding), "Page branding."),
            FieldSpec(
                "scopes",
                .map(.object(scope)),
                default: [:],
                "Custom scopes, by name. The standard openid, profile, email, address, phone and offline_access are built in."
            ),
            FieldSpec(
                "resources",
                .list(.object(resource)),
                default: [],
                "APIs that accept access tokens issued for them: a client asks with resource (RFC 8707), and `permiso build` writes each one's RFC 9728 metadata."
            ),
            FieldSpec("clients", .list(.object(client)), default: [], "Relying parties."),
            FieldSpec("users", .list(.object(user)), default: [], "Users, inline."),
            FieldSpec("usersFile", .string(), "A YAML file with a `users:` list, relative to this file."),
        ]
    )

    public static let usersFile = ObjectSpec(
        title: "Permiso users file",
        summary: "Users kept apart from the main config.",
        fields: [FieldSpec("users", .list(.object(user)), required: true, "Users.")]
    )
}
