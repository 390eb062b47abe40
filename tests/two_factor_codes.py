"""Authenticator codes for test sign-ins: each one of a time step this test process has not used yet.

The app accepts a code once (it remembers the last step used) and within one step of its clock, so a
second sign-in within the same 30 seconds takes the next step's code, and a third waits for the clock.
"""
import time

import pyotp

from referral.services.two_factor import DRIFT_STEPS, STEP_SECONDS

_last_step_used: dict[str, int] = {}


def current_step() -> int:
    """The time step of the clock now."""
    return int(time.time()) // STEP_SECONDS


def fresh_code(secret: str) -> str:
    """A code for `secret` of the earliest step, from now on, that no earlier call used."""
    step = max(current_step(), _last_step_used.get(secret, -1) + 1)
    while step > current_step() + DRIFT_STEPS:
        time.sleep(0.5)
    _last_step_used[secret] = step
    return pyotp.TOTP(secret).generate_otp(step)
