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
        {{/body}}{{/layout}}
        """

    /// The second factor: one field, numeric keypad and the platform's one-time-code
    /// autofill; works without JavaScript.
    static let secondFactor = """
        {{<layout}}{{$body}}
        <h1>Enter your code</h1>
        <p class="lead">{{username}}, open your authenticator app and enter the code it shows for {{brand.name}}.</p>
        {{#error}}<p class="alert" role="alert" id="code-error">{{error}}</p>{{/error}}
        <form method="post" action="{{action}}" novalidate>
        <input type="hidden" name="tx" value="{{tx}}">
        <label for="code">Code</label>
        <input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9 ]*" autocomplete="one-time-code" maxlength="12" required autofocus{{#error}} aria-describedby="code-error" aria-invalid="true"{{/error}}>
        <button type="submit">Continue</button>
        </form>
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

    static let loggedOut = """
        {{<layout}}{{$body}}
        <h1>You are signed out</h1>
        <p class="lead">You have signed out of {{brand.name}}. You can close this window.</p>
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
        "second-factor": secondFactor,
    ]
}
