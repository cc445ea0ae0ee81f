/// The pages' mustache templates. They live in Swift so the static release binary carries
/// them without a resource bundle; `{{ }}` escapes HTML (per Unicode scalar, see
/// `ScalarHTMLEscaping`), and no template uses `{{{ }}}`.
enum PageTemplates {
    /// Every page: brand header, one main landmark, the stylesheet from `/assets/permiso.css`.
    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>{{title}} · {{brand.name}}</title>
        {{#refresh}}<meta http-equiv="refresh" content="{{refresh}}">{{/refresh}}
        <link rel="stylesheet" href="/assets/permiso.css">
        </head>
        <body>
        <header class="brand">{{#brand.logoURL}}<img src="{{brand.logoURL}}" alt="" class="logo">{{/brand.logoURL}}<span>{{brand.name}}</span></header>
        <main class="card">
        {{$body}}{{/body}}
        </main>
        </body>
        </html>

        """

    /// A passkey button (`PasskeyPrompt`): hidden until `passkeys.js` finds WebAuthn, so a
    /// page without JavaScript shows only what works without it.
    static let passkeyForm = """
        {{#passkey}}
        <form method="post" action="{{action}}" class="passkey" data-passkey="get" data-challenge="{{challenge}}" data-rp-id="{{rpID}}" data-allow="{{allow}}" data-user-verification="{{userVerification}}" hidden>
        <input type="hidden" name="tx" value="{{tx}}">
        <input type="hidden" name="credential_id">
        <input type="hidden" name="client_data">
        <input type="hidden" name="authenticator_data">
        <input type="hidden" name="signature">
        <input type="hidden" name="user_handle">
        <p class="alert" role="alert" data-passkey-error hidden></p>
        <button type="submit" class="secondary" id="passkey-button">{{label}}</button>
        </form>
        <script src="/assets/passkeys.js"></script>
        {{/passkey}}
        """

    static let login = """
        {{<layout}}{{$body}}
        <h1>Sign in</h1>
        <p class="lead">to continue to <strong>{{clientName}}</strong></p>
        {{#error}}<p class="alert" role="alert" id="login-error">{{error}}</p>{{/error}}
        <form method="post" action="{{action}}" novalidate>
        <input type="hidden" name="tx" value="{{tx}}">
        <label for="username">Username</label>
        <input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="{{username}}"{{^username}} autofocus{{/username}}{{#error}} aria-describedby="login-error" aria-invalid="true"{{/error}}>
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required{{#username}} autofocus{{/username}}>
        <button type="submit">Sign in</button>
        </form>
        {{>passkey-form}}
        {{/body}}{{/layout}}
        """

    /// The second factor: one field, numeric keypad and the platform's one-time-code
    /// autofill; works without JavaScript.
    static let secondFactor = """
        {{<layout}}{{$body}}
        <h1>Enter your code</h1>
        {{#asksCode}}<p class="lead">{{username}}, open your authenticator app and enter the code it shows for {{brand.name}}.</p>{{/asksCode}}
        {{^asksCode}}<p class="lead">{{username}}, confirm it is you with your passkey.</p>{{/asksCode}}
        {{#error}}<p class="alert" role="alert" id="code-error">{{error}}</p>{{/error}}
        {{#asksCode}}
        <form method="post" action="{{action}}" novalidate>
        <input type="hidden" name="tx" value="{{tx}}">
        <label for="code">Code</label>
        <input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9 ]*" autocomplete="one-time-code" maxlength="12" required autofocus{{#error}} aria-describedby="code-error" aria-invalid="true"{{/error}}>
        <button type="submit">Continue</button>
        </form>
        {{/asksCode}}
        {{>passkey-form}}
        {{#offersRecovery}}
        <details class="recovery">
        <summary>Lost your authenticator? Use a recovery code</summary>
        <form method="post" action="{{action}}" novalidate>
        <input type="hidden" name="tx" value="{{tx}}">
        <label for="recovery_code">Recovery code</label>
        <input id="recovery_code" name="recovery_code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="24" placeholder="XXXX-XXXX-XXXX-XXXX" required>
        <button type="submit" class="secondary">Use the recovery code</button>
        </form>
        </details>
        {{/offersRecovery}}
        {{/body}}{{/layout}}
        """

    /// The user's passkeys and the form that creates one; creating needs JavaScript, which
    /// the page says when it is missing.
    static let accountPasskeys = """
        {{<layout}}{{$body}}
        <h1>Passkeys</h1>
        <p class="lead">Signed in as <strong>{{username}}</strong>.</p>
        {{#error}}<p class="alert" role="alert">{{error}}</p>{{/error}}
        <ul class="scopes" id="passkeys">
        {{#passkeys}}<li><strong>{{name}}</strong> <span class="scope-name">({{algorithm}}{{#created}}, added {{created}}{{/created}})</span></li>
        {{/passkeys}}
        </ul>
        {{^passkeys}}<p>The config lists no passkeys for you yet.</p>{{/passkeys}}
        <form method="post" action="/account/passkeys" data-passkey="create" data-challenge="{{challenge}}" data-rp-id="{{rpID}}" data-rp-name="{{rpName}}" data-user-id="{{userID}}" data-user-name="{{username}}" data-user-display-name="{{displayName}}" data-algorithms="{{algorithms}}" data-exclude="{{exclude}}">
        <input type="hidden" name="tx" value="{{tx}}">
        <input type="hidden" name="credential_id">
        <input type="hidden" name="client_data">
        <input type="hidden" name="attestation_object">
        <input type="hidden" name="transports">
        <label for="name">Name of the new passkey</label>
        <input id="name" name="name" type="text" maxlength="64" placeholder="Work laptop" autocomplete="off" required>
        <p class="alert" role="alert" data-passkey-error hidden></p>
        <p class="hint" data-passkey-needs-script>Adding a passkey needs JavaScript and a browser that supports passkeys.</p>
        <button type="submit" id="passkey-button" hidden>Create a passkey</button>
        </form>
        <script src="/assets/passkeys.js"></script>
        {{/body}}{{/layout}}
        """

    /// A verified new passkey: the config entry, to add and deploy like any other change.
    static let passkeyAdded = """
        {{<layout}}{{$body}}
        <h1>Passkey verified</h1>
        <p class="lead">Add this entry to the <code>passkeys:</code> list of <strong>{{username}}</strong> in the config, run <code>permiso check</code>, and deploy it: the passkey works from the next reload.</p>
        <pre class="claims entry" id="passkey-entry">{{entry}}</pre>
        {{#passwordOnly}}<p class="alert" role="note">{{username}} had no second factor, so this passkey was made after a password alone. Whoever reviews the change should confirm with {{username}}, another way, that they asked for it.</p>{{/passwordOnly}}
        <p class="hint">Nothing was stored: a passkey exists only once a reviewed config lists it.</p>
        <div class="actions"><a class="button secondary" href="/account/passkeys">Back to passkeys</a></div>
        {{/body}}{{/layout}}
        """

    static let consent = """
        {{<layout}}{{$body}}
        <h1>Allow {{clientName}}?</h1>
        <p class="lead">Signed in as <strong>{{username}}</strong>. {{clientName}} asks to:</p>
        {{#userCode}}<p class="device-code">Only allow this if your device shows the code <strong class="code">{{userCode}}</strong>.</p>{{/userCode}}
        <ul class="scopes">
        {{#scopes}}<li><strong>{{description}}</strong> <span class="scope-name">({{name}})</span></li>
        {{/scopes}}
        </ul>
        {{#apis}}<p>With access to:</p>
        <ul class="apis">
        {{#items}}<li><strong>{{name}}</strong> <span class="scope-name">({{id}})</span></li>
        {{/items}}
        </ul>{{/apis}}
        <form method="post" action="{{action}}">
        <input type="hidden" name="tx" value="{{tx}}">
        <div class="actions">
        <button type="submit" name="decision" value="allow" autofocus>Allow</button>
        <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
        </div>
        </form>
        {{/body}}{{/layout}}
        """

    static let error = """
        {{<layout}}{{$body}}
        <h1>{{heading}}</h1>
        <p class="alert" role="alert">{{description}}</p>
        <p class="hint">Error code: <code>{{code}}</code>. Go back to the application you came from and try again.</p>
        {{/body}}{{/layout}}
        """

    /// Signed out; with front-channel logout, the clients' logout pages in hidden frames
    /// (Front-Channel Logout 1.0 §2), then on to the post-logout redirect: by script once
    /// the frames loaded (or 2.5 s), by the refresh after 3 s, or by the link. The frames may
    /// run the relying party's script against its own origin (to clear its storage), but not
    /// navigate this page, open windows or submit forms (`sandbox`).
    static let loggedOut = """
        {{<layout}}{{$body}}
        <h1>You are signed out</h1>
        {{#next}}<p class="lead">Signing you out of the applications you used…</p>
        <div class="actions"><a class="button" href="{{next}}" data-continue>Continue</a></div>
        <script src="/assets/logout.js" defer></script>{{/next}}
        {{^next}}<p class="lead">You have signed out of {{brand.name}}. You can close this window.</p>{{/next}}
        {{#frames}}<iframe src="{{src}}" class="frontchannel" title="Signing out of an application" sandbox="allow-same-origin allow-scripts" hidden></iframe>
        {{/frames}}
        {{/body}}{{/layout}}
        """

    static let logoutConfirm = """
        {{<layout}}{{$body}}
        <h1>Sign out?</h1>
        <p class="lead">Do you want to sign out of {{brand.name}}{{#username}} as <strong>{{username}}</strong>{{/username}}?</p>
        <form method="post" action="/oauth/logout">
        <input type="hidden" name="logout_tx" value="{{tx}}">
        <div class="actions">
        <button type="submit" autofocus>Sign out</button>
        </div>
        </form>
        {{/body}}{{/layout}}
        """

    /// OAuth 2.0 Form Post Response Mode; the button is there for browsers without JavaScript.
    static let formPost = """
        {{<layout}}{{$body}}
        <h1>Returning to the application…</h1>
        <form method="post" action="{{action}}" id="response">
        {{#fields}}<input type="hidden" name="{{name}}" value="{{value}}">
        {{/fields}}
        <button type="submit">Continue</button>
        </form>
        <script nonce="{{nonce}}">document.getElementById("response").submit()</script>
        {{/body}}{{/layout}}
        """

    static let demo = """
        {{<layout}}{{$body}}
        <h1>{{heading}}</h1>
        {{#error}}<p class="alert" role="alert">{{error}}</p>{{/error}}
        {{#claims}}
        <p class="lead">Signed in as <strong>{{subject}}</strong>. The ID token's claims, verified against the JWKS:</p>
        <pre class="claims">{{claims}}</pre>
        <div class="actions"><a class="button" href="{{logoutURL}}">Sign out</a> <a class="button secondary" href="/demo/">Start again</a></div>
        {{/claims}}
        {{^claims}}
        <p class="lead">This is the demo client of the example config: a web app that signs you in with Permiso using the authorization code flow with PKCE.</p>
        <div class="actions"><a class="button" href="{{loginURL}}">Sign in with {{brand.name}}</a></div>
        {{/claims}}
        {{/body}}{{/layout}}
        """

    /// The device verification page (RFC 8628 §3.3): asks for the code the device shows.
    static let device = """
        {{<layout}}{{$body}}
        <h1>Connect a device</h1>
        <p class="lead">Enter the code shown on your device.</p>
        {{#error}}<p class="alert" role="alert" id="code-error">{{error}}</p>{{/error}}
        <form method="post" action="/device" novalidate>
        <label for="user_code">Code</label>
        <input id="user_code" name="user_code" type="text" class="code" inputmode="text" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" maxlength="20" placeholder="XXXX-XXXX" required value="{{userCode}}" autofocus{{#error}} aria-describedby="code-error" aria-invalid="true"{{/error}}>
        <button type="submit">Continue</button>
        </form>
        {{/body}}{{/layout}}
        """

    /// After the decision: the person goes back to the device.
    static let deviceDone = """
        {{<layout}}{{$body}}
        <h1>{{heading}}</h1>
        <p class="lead">{{message}}</p>
        {{/body}}{{/layout}}
        """

    static let all: [String: String] = [
        "layout": layout, "login": login, "consent": consent, "error": error, "logged-out": loggedOut,
        "logout-confirm": logoutConfirm, "form-post": formPost, "demo": demo, "device": device, "device-done": deviceDone,
        "second-factor": secondFactor, "passkey-form": passkeyForm, "account-passkeys": accountPasskeys,
        "passkey-added": passkeyAdded,
    ]
}
