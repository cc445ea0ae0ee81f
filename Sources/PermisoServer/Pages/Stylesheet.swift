import PermisoCore

/// The pages' stylesheet, coloured from the config's branding and served from
/// `/assets/permiso.css`, so the pages need no inline style and the CSP can forbid it.
enum Stylesheet {
    static func css(_ branding: Branding) -> String {
        """
        :root{--primary:\(branding.primaryColor);--bg:\(branding.backgroundColor);--text:\(branding.textColor)}
        *{box-sizing:border-box}
        body{margin:0;min-height:100vh;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
        .brand{display:flex;align-items:center;gap:.6rem;justify-content:center;padding:2rem 1rem 1rem;font-weight:600;font-size:1.15rem}
        .logo{height:2rem}
        .card{max-width:26rem;margin:0 auto 3rem;padding:2rem;background:#fff;color:#1b1d21;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.12),0 8px 24px rgba(0,0,0,.06)}
        h1{font-size:1.5rem;margin:0 0 .25rem}
        .lead{margin:0 0 1.5rem;color:#3d4149}
        label{display:block;font-weight:600;margin:1rem 0 .35rem}
        input[type=text],input[type=password]{width:100%;padding:.65rem .75rem;font:inherit;border:1px solid #6b7280;border-radius:8px;background:#fff;color:#1b1d21}
        button,.button{display:inline-block;margin-top:1.5rem;padding:.7rem 1.2rem;font:inherit;font-weight:600;color:#fff;background:var(--primary);border:2px solid var(--primary);border-radius:8px;cursor:pointer;text-decoration:none}
        form > button{width:100%}
        .secondary{background:#fff;color:var(--primary)}
        .actions{display:flex;gap:.75rem;flex-wrap:wrap}
        .actions button{flex:1}
        :focus-visible{outline:3px solid var(--primary);outline-offset:2px}
        .alert{padding:.75rem 1rem;border-radius:8px;background:#fdecec;color:#8a1c1c;border:1px solid #f3b4b4}
        .hint{color:#4b5058;font-size:.9rem}
        .scopes{padding-left:1.2rem}.scope-name{color:#4b5058;font-size:.9rem}
        .code{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;letter-spacing:.12em;text-transform:uppercase}
        input.code{font-size:1.35rem;text-align:center}
        .device-code{padding:.75rem 1rem;border-radius:8px;background:#f3f4f6}
        @media (max-width:30rem){.card{margin:0 .75rem 2rem;padding:1.5rem}}
        .claims{white-space:pre-wrap;word-break:break-all;background:#f3f4f6;padding:1rem;border-radius:8px;font-size:.85rem}
        .entry{white-space:pre;word-break:normal;overflow-x:auto}
        .recovery{margin-top:1.5rem}.recovery summary{cursor:pointer;color:#4b5563}

        """
    }
}
