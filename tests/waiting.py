"""Waiting in tests for something that happens in another thread or process, bounded."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    """``check()``'s first true result, asked every 20 ms; fails after ``timeout`` seconds
    with ``what`` did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.02)
