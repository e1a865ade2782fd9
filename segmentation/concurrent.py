"""Statements of the nightly pipeline that run beside each other, each on its own connection.

The pipeline's heaviest statements are independent reads (the orders for the purchase summary, the order
lines for what customers own): on a machine with two cores, running them side by side takes the time of
the longer one instead of their sum. `beside(brand, fn, *args)` starts `fn(*args)` in a thread, inside
the brand's context on the thread's own database connection, and `.result()` waits for it and returns its
value or raises its error. With `brand` None, `fn` enters the brand's context itself (it may run
statements that cannot run in a transaction, such as VACUUM).

Inside a transaction (the test suite's, or a caller's), another connection would not see its uncommitted
rows, so there `fn` runs in the caller's thread when `.result()` is called, on the caller's connection.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connection, connections

from jewelcrm.tenancy.context import brand_context

T = TypeVar("T")


class Beside(Generic[T]):
    def __init__(self, brand: Any, fn: Callable[..., T], args: tuple[Any, ...]) -> None:
        self._brand, self._fn, self._args = brand, fn, args
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if not connection.in_atomic_block:
            self._thread = threading.Thread(target=self._run, name="segmentation-beside", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            if self._brand is None:  # `fn` enters the brand's context itself
                self._value = self._fn(*self._args)
                return
            with brand_context(self._brand):
                self._value = self._fn(*self._args)
        except BaseException as error:  # handed to the caller by result()
            self._error = error
        finally:
            connections.close_all()  # this thread's connections only

    def done(self) -> bool:
        """Whether nothing of it runs any more (a function deferred to result() inside a transaction runs
        in the caller's thread: it never runs beside)."""
        return self._thread is None or not self._thread.is_alive()

    def wait(self) -> None:
        """Wait for the thread, if any, without raising (a caller that failed meanwhile)."""
        if self._thread is not None:
            self._thread.join()

    def result(self) -> T:
        if self._thread is None:
            if self._brand is None:
                return self._fn(*self._args)
            with brand_context(self._brand):
                return self._fn(*self._args)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


def beside(brand: Any, fn: Callable[..., T], *args: Any) -> Beside[T]:
    return Beside(brand, fn, args)


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


_TRIM = _malloc_trim()


def release_freed_memory() -> None:
    """Hand the memory the pipeline's threads freed back to the system (glibc's malloc_trim).

    Each thread allocates from its own glibc arena, and memory freed there stays in the process: after
    the arrays of what customers own (counted on a thread of its own) were freed, some 180 MB stayed
    resident, and the job's peak rose by as much (ADR 0055). A no-op where the C library is not glibc."""
    if _TRIM is not None:
        _TRIM(0)
