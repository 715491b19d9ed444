"""A public key's origins are compared as browsers send `Origin`."""

import pytest

from voxgate.auth.restrictions import Restrictions, origin_of
from voxgate.errors import Forbidden


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("https://App.Test", "https://app.test"),
        ("https://app.test:443/", "https://app.test"),
        ("http://app.test:80", "http://app.test"),
        ("http://app.test:8080", "http://app.test:8080"),
        ("http://[::1]:3000", "http://[::1]:3000"),
    ],
)
def test_an_origin_is_written_as_a_browser_sends_it(given: str, origin: str) -> None:
    assert origin_of(given) == origin


@pytest.mark.parametrize(
    "given", ["app.test", "null", "ftp://app.test", "https://app.test/page", "https://u@app.test"]
)
def test_anything_else_is_not_an_origin(given: str) -> None:
    with pytest.raises(ValueError, match="is not an origin"):
        origin_of(given)


def test_an_allowed_origin_matches_however_the_operator_wrote_it() -> None:
    restrictions = Restrictions(allowed_origins=(origin_of("https://APP.test:443/"),))
    restrictions.check_origin("https://app.test")
    for refused in ("https://app.test:8443", "http://app.test", "null", None):
        with pytest.raises(Forbidden):
            restrictions.check_origin(refused)


def test_stored_restrictions_round_trip() -> None:
    restrictions = Restrictions(("https://app.test",), ("a-id",), True)
    assert Restrictions.stored(restrictions.to_stored()) == restrictions
    # A public key stored before restrictions existed: no origin or assistant limit, no transient.
    assert Restrictions.stored(None) == Restrictions()
