"""The OpenID Foundation's Form Post OP plan (oidcc-formpost-basic-certification-test-plan):
the Basic plan's modules with every authorization request sent with response_mode=form_post.
Each module is the Basic mirror's own test, run here against a provider whose relying
parties ask for form_post; the callback is read from the self-submitting form and checked as
the plan's callback conditions do (a POST, form-encoded, no code or error in the URL query:
`relying_party.Callback.read_form_post`). docs/conformance.md carries the table."""

import pytest

import test_conformance_basic as basic
from relying_party import Provider, RelyingParty

# The Basic modules, collected again in this module under their own names.
for name in dir(basic):
    if name.startswith("test_oidcc_"):
        globals()[name] = getattr(basic, name)


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    started = Provider(tmp_path_factory.mktemp("conformance-formpost"), response_mode="form_post")
    yield started
    started.stop()


@pytest.fixture
def rp(provider):
    return RelyingParty(provider)


def test_every_callback_of_this_plan_is_a_form_post(rp, provider):
    """The variant's premise: a response to a form_post request, a code or an error, is never a redirect."""
    callback = basic.Callback(rp.log_in(rp.authorize()))
    assert callback.method == "POST" and callback["code"] and callback["state"] == rp.state
    stranger = RelyingParty(provider)
    error = basic.Callback(stranger.authorize(prompt="none"))
    assert error.method == "POST" and error["error"] in ("login_required", "interaction_required")
