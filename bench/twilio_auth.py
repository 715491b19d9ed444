"""Authenticating one Twilio callback: the URL token of a number imported with an API key
(telephony/twilio/signature.py) beside the `X-Twilio-Signature` check of a number with its auth
token, in the same process, over the same request (a status callback's URL and form fields).

    .venv/bin/python bench/twilio_auth.py [--rounds 20000] [--keys 1]

`--keys` is how many secret keys are configured (a rotation lists the old ones): the token is
compared against each, so its cost grows with them.
"""

import argparse
import os
import timeit
from types import SimpleNamespace
from typing import Any

from cryptography.fernet import Fernet
from twilio.request_validator import RequestValidator

URL = "https://voxgate.test/twilio/status/0b6a1c1e-6b0e-4a55-9d0a-5a3c1e2f4b77"
FORM = {
    "AccountSid": "AC" + "1" * 32,
    "CallSid": "CA" + "2" * 32,
    "CallStatus": "ringing",
    "From": "+15550001111",
    "To": "+15550002222",
    "Direction": "outbound-api",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20000)
    parser.add_argument("--keys", type=int, default=1)
    args = parser.parse_args()
    keys = [Fernet.generate_key().decode() for _ in range(args.keys)]
    os.environ["VOXGATE_SECRET_KEY"] = ",".join(keys)
    from voxgate.telephony.twilio import signature  # reads the keys set above

    validator = RequestValidator("f" * 32)
    signed = validator.compute_signature(URL, FORM)
    subject = signature.call_subject("0b6a1c1e-6b0e-4a55-9d0a-5a3c1e2f4b77")
    token = signature.tokened(URL, {}, subject).split("token=")[1]

    # What `genuine` reads of a request carrying the token.
    request: Any = SimpleNamespace(path_params={}, query_params={"token": token})
    assert signature.genuine(request, {}, FORM, subject)
    assert validator.validate(URL, FORM, signed)
    per = 1e6 / args.rounds
    with_signature = timeit.timeit(
        lambda: validator.validate(URL, FORM, signed), number=args.rounds
    )
    with_token = timeit.timeit(
        lambda: signature.genuine(request, {}, FORM, subject),
        number=args.rounds,
    )
    print(f"X-Twilio-Signature check: {with_signature * per:.1f} µs per request")
    print(f"URL token check ({args.keys} key(s)): {with_token * per:.1f} µs per request")
    print(f"token / signature: {with_token / with_signature:.2f}x")


if __name__ == "__main__":
    main()
