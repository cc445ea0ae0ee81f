"""The pages as a person uses them: headless Chromium (Debian's, driven by Selenium) signs
in through the demo app, sees a consent page, fails and succeeds at logging in, and signs
out. Each page is saved as a screenshot under test-artifacts/screenshots/."""

import urllib.parse

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ROOT, Permiso, example_config, free_port

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The demo client's redirect URIs name the example's port too: move them with the issuer.
    config = example_config(folder, base)
    config.write_text(config.read_text().replace("http://127.0.0.1:8080", base))
    permiso = Permiso(config, port, log=folder / "serve.log")
    yield base
    permiso.stop()


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,800"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def shot(driver, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def wait_for(driver, css: str):
    return WebDriverWait(driver, 10).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def test_sign_in_through_the_demo_app_and_sign_out(server, browser):
    browser.get(f"{server}/demo/")
    shot(browser, "01-demo-home")
    browser.find_element(By.LINK_TEXT, "Sign in with Permiso Demo").click()

    wait_for(browser, "input#username")
    shot(browser, "02-login")
    # Accessible form: labelled fields, focus on the first one, the stylesheet applied under the CSP.
    assert browser.find_element(By.CSS_SELECTOR, "label[for=username]").text == "Username"
    assert browser.find_element(By.CSS_SELECTOR, "label[for=password]").text == "Password"
    assert browser.switch_to.active_element.get_attribute("id") == "username"
    button = browser.find_element(By.CSS_SELECTOR, "button[type=submit]")
    assert button.value_of_css_property("background-color") in ("rgba(31, 79, 209, 1)", "rgb(31, 79, 209)")

    browser.find_element(By.ID, "username").send_keys("alice")
    browser.find_element(By.ID, "password").send_keys("wrong password")
    button.click()
    alert = wait_for(browser, "[role=alert]")
    assert alert.text == "The username or password is incorrect."
    shot(browser, "03-login-failed")

    browser.find_element(By.ID, "password").send_keys("alice-password")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    claims = wait_for(browser, "pre.claims")
    shot(browser, "04-demo-signed-in")
    assert '"sub" : "alice"' in claims.text and '"email" : "alice@example.com"' in claims.text

    browser.find_element(By.LINK_TEXT, "Sign out").click()
    WebDriverWait(browser, 10).until(lambda driver: driver.current_url.startswith(f"{server}/demo/"))
    shot(browser, "06-after-sign-out")
    # The session is gone: a silent authorization now reports login_required.
    browser.get(f"{server}/oauth/authorize?client_id=demo&response_type=code&scope=openid&prompt=none&state=s1")
    WebDriverWait(browser, 10).until(lambda driver: "error=login_required" in driver.current_url)


def test_consent_page_and_logout_confirmation(server, browser):
    verifier_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    callback_port = free_port()
    query = urllib.parse.urlencode({
        "client_id": "cli", "redirect_uri": f"http://127.0.0.1:{callback_port}/callback", "response_type": "code",
        "scope": "openid email offline_access", "state": "xyz", "code_challenge": verifier_challenge,
        "code_challenge_method": "S256", "login_hint": "alice",
    })
    browser.get(f"{server}/oauth/authorize?{query}")
    wait_for(browser, "input#password")
    # login_hint prefills the username and moves focus to the password.
    assert browser.find_element(By.ID, "username").get_attribute("value") == "alice"
    assert browser.switch_to.active_element.get_attribute("id") == "password"
    browser.find_element(By.ID, "password").send_keys("alice-password")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    wait_for(browser, "ul.scopes")
    shot(browser, "05-consent")
    assert "Allow Permiso CLI?" in browser.find_element(By.TAG_NAME, "h1").text
    scopes = [item.text for item in browser.find_elements(By.CSS_SELECTOR, "ul.scopes li")]
    assert scopes == [
        "Sign you in (openid)", "Your email address (email)", "Stay signed in to the app while you are away (offline_access)",
    ]
    browser.find_element(By.CSS_SELECTOR, "button[value=allow]").click()
    # Nothing listens on the callback port; the browser's address bar still shows the response.
    WebDriverWait(browser, 10).until(lambda driver: f"127.0.0.1:{callback_port}/callback" in driver.current_url)
    response = urllib.parse.parse_qs(urllib.parse.urlparse(browser.current_url).query)
    assert response["state"] == ["xyz"] and response["iss"] == [server] and response["code"]

    browser.get(f"{server}/oauth/logout")
    wait_for(browser, "input[name=logout_tx]")
    shot(browser, "07-logout-confirm")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # The confirmation page has an h1 too: wait for the new page's, not whichever h1 is there first.
    WebDriverWait(browser, 10).until(lambda driver: "You are signed out" in driver.page_source)
    assert browser.find_element(By.TAG_NAME, "h1").text == "You are signed out"
    shot(browser, "08-signed-out")


def test_pages_cannot_be_framed(server, browser, tmp_path):
    """frame-ancestors 'none': another page embedding the login page gets nothing."""
    host = tmp_path / "frame.html"
    login = f"{server}/oauth/authorize?client_id=demo&response_type=code&scope=openid"
    browser.get(login)
    assert "Sign in" in browser.page_source  # the page itself loads
    host.write_text(f'<iframe id="f" src="{login}"></iframe>')
    browser.get(host.as_uri())
    browser.switch_to.frame(browser.find_element(By.ID, "f"))
    assert "Sign in" not in browser.page_source


@pytest.mark.parametrize("width,height,name", [(1280, 800, "desktop"), (390, 844, "phone")])
def test_every_page_fits_desktop_and_phone_widths(server, browser, width, height, name):
    """Each page at both widths: no sideways scrolling, the card inside the viewport, the
    primary button fully visible. Screenshots are saved for review."""
    browser.set_window_size(width, height)
    pages = {
        "login": f"{server}/oauth/authorize?client_id=demo&response_type=code&scope=openid&state=s",
        "error": f"{server}/oauth/authorize?client_id=demo&redirect_uri=https://evil.example.com/",
        "device": f"{server}/device?user_code=BCDF-GHJK",
        "signed-out": f"{server}/oauth/logout",
    }
    for page, url in pages.items():
        browser.get(url)
        wait_for(browser, "main, .card, h1")
        shot(browser, f"30-{page}-{name}")
        inner_width = browser.execute_script("return window.innerWidth")
        scroll_width = browser.execute_script("return document.documentElement.scrollWidth")
        assert scroll_width <= inner_width, f"{page} scrolls sideways at {width}px"
        card = browser.find_element(By.CSS_SELECTOR, ".card").rect
        assert card["x"] >= 0 and card["x"] + card["width"] <= inner_width, f"{page}: card outside the viewport"
        for button in browser.find_elements(By.CSS_SELECTOR, "button"):
            rect = button.rect
            assert rect["x"] >= 0 and rect["x"] + rect["width"] <= inner_width, f"{page}: a button is cut off"
