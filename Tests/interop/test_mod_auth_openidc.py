"""Apache httpd with mod_auth_openidc (Debian's apache2 and libapache2-mod-auth-openidc)
protects a page on a loopback port with Permiso as its OpenID provider: headless Chromium
opens the page, is sent to Permiso's login, signs in and lands on the page; then a burst of
requests with the session cookie Apache set all get the page. Signing out at Permiso tells
Apache over the back channel (its redirect URI with ?logout=backchannel), so the next request
to the protected page goes back to the authorization endpoint."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import free_port, wait_for_port
from relying_party import Provider, SECRET
from test_browser import browser, shot, wait_for  # noqa: F401 (the browser fixture)

APACHE = "/usr/sbin/apache2"
MODULES = "/usr/lib/apache2/modules"


@pytest.fixture
def protected(tmp_path):
    if not Path(f"{MODULES}/mod_auth_openidc.so").exists():
        pytest.fail("mod_auth_openidc is not installed: scripts/install-test-deps installs Debian's libapache2-mod-auth-openidc")
    port = free_port()
    redirect = f"http://127.0.0.1:{port}/protected/redirect_uri"
    provider = Provider(tmp_path, extra_clients=f"""  - id: apache
    name: Apache mod_auth_openidc
    secretHash: "$2b$04$7f692JpBtB2PI6Znh0KdwuBDfQ.MKmh3bVUwgeACvvTn3O5E4ajGa"
    redirectURIs: [{redirect}]
    grantTypes: [authorization_code]
    scopes: [openid, email, profile]
    firstParty: true
    backchannelLogoutURI: {redirect}?logout=backchannel
    backchannelLogoutSessionRequired: true
""")
    # Apache's workers drop to www-data, who cannot read pytest's private folders.
    root = Path(tempfile.mkdtemp(prefix="permiso-apache-"))
    os.chmod(root, 0o755)
    (root / "protected").mkdir()
    (root / "protected" / "index.html").write_text("<!doctype html><title>Protected</title><h1>The protected page</h1>\n")
    os.chmod(root / "protected", 0o755)
    os.chmod(root / "protected" / "index.html", 0o644)
    user = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""
    (root / "httpd.conf").write_text(f"""
ServerRoot {root}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {root}/httpd.pid
ErrorLog {root}/error.log
LogLevel warn auth_openidc:info
{user}
LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule authz_user_module {MODULES}/mod_authz_user.so
LoadModule authn_core_module {MODULES}/mod_authn_core.so
LoadModule auth_basic_module {MODULES}/mod_auth_basic.so
LoadModule dir_module {MODULES}/mod_dir.so
LoadModule mime_module {MODULES}/mod_mime.so
LoadModule auth_openidc_module {MODULES}/mod_auth_openidc.so
TypesConfig /etc/mime.types
DocumentRoot {root}
DirectoryIndex index.html

OIDCProviderMetadataURL {provider.base}/.well-known/openid-configuration
OIDCClientID apache
OIDCClientSecret {SECRET}
OIDCProviderTokenEndpointAuth client_secret_basic
OIDCRedirectURI {redirect}
OIDCCryptoPassphrase permiso-interop-test-passphrase
OIDCScope "openid email"
OIDCPKCEMethod S256
OIDCRemoteUserClaim sub

<Location /protected>
    AuthType openid-connect
    Require valid-user
</Location>
""")
    process = subprocess.Popen([APACHE, "-f", str(root / "httpd.conf"), "-DFOREGROUND"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port)
    except TimeoutError:
        process.kill()
        raise RuntimeError("apache did not start: " + process.stderr.read().decode(errors="replace"))
    yield {"base": f"http://127.0.0.1:{port}", "provider": provider, "root": root}
    process.terminate()
    process.wait(timeout=10)
    provider.stop()
    shutil.rmtree(root, ignore_errors=True)


def test_a_browser_signs_in_through_mod_auth_openidc_and_a_burst_with_its_session_succeeds(protected, browser):  # noqa: F811
    browser.get(protected["base"] + "/protected/")
    wait_for(browser, "input#username")
    assert browser.current_url.startswith(protected["provider"].base + "/oauth/authorize")
    shot(browser, "20-apache-login")
    browser.find_element(By.ID, "username").send_keys("conformance")
    browser.find_element(By.ID, "password").send_keys("conformance-password")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda driver: "The protected page" in driver.page_source)
    assert browser.current_url == protected["base"] + "/protected/"
    shot(browser, "21-apache-protected")

    cookies = {cookie["name"]: cookie["value"] for cookie in browser.get_cookies()}
    assert "mod_auth_openidc_session" in cookies
    with requests.Session() as session:
        session.cookies.update(cookies)
        statuses = [session.get(protected["base"] + "/protected/", allow_redirects=False, timeout=10).status_code for _ in range(50)]
    assert statuses == [200] * 50
    # Without the cookie Apache sends the browser to Permiso again.
    anonymous = requests.get(protected["base"] + "/protected/", allow_redirects=False, timeout=10)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith(protected["provider"].base + "/oauth/authorize")


def test_signing_out_at_permiso_ends_the_apache_session_over_the_back_channel(protected, browser):  # noqa: F811
    provider = protected["provider"]
    browser.get(protected["base"] + "/protected/")
    wait_for(browser, "input#username").send_keys("conformance")
    browser.find_element(By.ID, "password").send_keys("conformance-password")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda driver: "The protected page" in driver.page_source)
    cookies = {cookie["name"]: cookie["value"] for cookie in browser.get_cookies()}
    with requests.Session() as session:
        session.cookies.update(cookies)
        assert session.get(protected["base"] + "/protected/", allow_redirects=False, timeout=10).status_code == 200

    # Signed out at Permiso (no hint: the person confirms), not at Apache.
    browser.get(provider.base + "/oauth/logout")
    wait_for(browser, "input[name=logout_tx]")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda driver: "You are signed out" in driver.page_source)

    # Apache got the logout token and dropped its session: the same cookie is sent to Permiso again.
    with requests.Session() as session:
        session.cookies.update(cookies)
        again = session.get(protected["base"] + "/protected/", allow_redirects=False, timeout=10)
    assert again.status_code == 302 and again.headers["Location"].startswith(provider.base + "/oauth/authorize"), \
        (protected["root"] / "error.log").read_text()[-2000:]
    browser.get(protected["base"] + "/protected/")
    wait_for(browser, "input#username")
    assert browser.current_url.startswith(provider.base + "/oauth/authorize")
