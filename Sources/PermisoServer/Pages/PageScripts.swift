/// `/assets/passkeys.js`: the passkey buttons. It reads the options a page put in its form's
/// `data-` attributes, asks the browser's WebAuthn API (WebAuthn Level 3 §5.4, §5.5), writes
/// the answer into the form's hidden fields as base64url and posts the form: no `fetch`, no
/// JSON API, so the answer goes through the same cookie-bound form handling as a password.
///
/// Served from Permiso's own origin and allowed by the pages' `script-src 'self'`; no inline
/// script, nothing from another site. Without WebAuthn (or JavaScript) the buttons stay hidden.
enum PasskeyScript {
    static let source = #"""
        "use strict";
        (() => {
          const encode = (buffer) =>
            btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
          const decode = (text) =>
            Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
          const descriptors = (json) =>
            JSON.parse(json || "[]").map((entry) => ({ type: "public-key", id: decode(entry.id), transports: entry.transports }));
          const set = (form, name, value) => { form.elements.namedItem(name).value = value; };

          async function create(form) {
            const d = form.dataset;
            const credential = await navigator.credentials.create({ publicKey: {
              rp: { id: d.rpId, name: d.rpName },
              user: { id: decode(d.userId), name: d.userName, displayName: d.userDisplayName },
              challenge: decode(d.challenge),
              pubKeyCredParams: d.algorithms.split(" ").map((alg) => ({ type: "public-key", alg: Number(alg) })),
              excludeCredentials: descriptors(d.exclude),
              authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "preferred" },
              attestation: "none",
              timeout: 300000,
            } });
            set(form, "credential_id", encode(credential.rawId));
            set(form, "client_data", encode(credential.response.clientDataJSON));
            set(form, "attestation_object", encode(credential.response.attestationObject));
            const transports = credential.response.getTransports ? credential.response.getTransports() : [];
            set(form, "transports", transports.join(" "));
          }

          async function get(form) {
            const d = form.dataset;
            const credential = await navigator.credentials.get({ publicKey: {
              rpId: d.rpId,
              challenge: decode(d.challenge),
              allowCredentials: descriptors(d.allow),
              userVerification: d.userVerification,
              timeout: 300000,
            } });
            set(form, "credential_id", encode(credential.rawId));
            set(form, "client_data", encode(credential.response.clientDataJSON));
            set(form, "authenticator_data", encode(credential.response.authenticatorData));
            set(form, "signature", encode(credential.response.signature));
            set(form, "user_handle", credential.response.userHandle ? encode(credential.response.userHandle) : "");
          }

          for (const form of document.querySelectorAll("form[data-passkey]")) {
            if (form.dataset.ready || !window.PublicKeyCredential) continue;
            form.dataset.ready = "1";
            form.hidden = false;
            for (const element of form.querySelectorAll("[data-passkey-needs-script]")) element.hidden = true;
            for (const element of form.querySelectorAll("button[hidden]")) element.hidden = false;
            const problem = form.querySelector("[data-passkey-error]");
            form.addEventListener("submit", async (event) => {
              event.preventDefault();
              if (!form.reportValidity()) return;
              problem.hidden = true;
              try {
                await (form.dataset.passkey === "create" ? create(form) : get(form));
                form.submit();
              } catch (error) {
                problem.textContent = "The passkey was not used. Try again, or choose another way.";
                problem.hidden = false;
              }
            });
          }
        })();

        """#
}

/// `/assets/logout.js`: on the signed-out page with front-channel frames, goes on to the
/// post-logout redirect once every frame has loaded, or after 2.5 s, whichever is first
/// (Front-Channel Logout 1.0 §2 leaves the wait to the OP). Without it the page's refresh does.
enum LogoutScript {
    static let source = #"""
        "use strict";
        (() => {
          const next = document.querySelector("[data-continue]");
          if (!next) return;
          let pending = document.querySelectorAll("iframe.frontchannel").length;
          let gone = false;
          const go = () => { if (!gone) { gone = true; window.location.replace(next.href); } };
          for (const frame of document.querySelectorAll("iframe.frontchannel")) {
            frame.addEventListener("load", () => { if (--pending <= 0) go(); }, { once: true });
          }
          setTimeout(go, 2500);
        })();

        """#
}
