"""Signals during a report: Ctrl-C, SIGTERM and SIGHUP stop it and leave
nothing behind, wherever they land.

Python runs a signal handler between two bytecodes of the main thread,
including inside a weakref callback or a `__del__` (matplotlib has many);
an exception raised there is printed as "Exception ignored in ..." and the
program goes on. So the handler also records the signal: such a swallowed
stop is not printed, and is raised again where the report would be
published (`publishing`). Publishing runs with the signals blocked; once a
report is in place, a late signal has nothing left to stop and is ignored.
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(BaseException):
    """A signal stopped the report; raised where the program is, so that the
    output folder's clean-up runs."""

    def __init__(self, signo: int):
        super().__init__(signo)
        self.signo = signo


class _State:
    active = False
    pending: int | None = None  # the first signal received
    unwinding = False  # a Stopped is on its way up: later signals add nothing
    published = False


_state = _State()


def _handler(signo, _frame):
    if _state.published:
        return
    if _state.pending is None:
        _state.pending = signo
    if _state.unwinding:
        return
    _state.unwinding = True
    raise Stopped(_state.pending)


def _unraisable(hook_args, default=sys.__unraisablehook__):
    if _state.pending is not None and isinstance(hook_args.exc_value, (Stopped, KeyboardInterrupt)):
        # swallowed where it was raised: `publishing` raises it again, and
        # a further signal raises at once
        _state.unwinding = False
        return
    default(hook_args)


@contextmanager
def handled():
    """Installs the handlers for the block (in the main thread; elsewhere
    signals are left as they are)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signo: signal.signal(signo, _handler) for signo in SIGNALS}
    hook = sys.unraisablehook
    sys.unraisablehook = _unraisable
    _state.active, _state.pending, _state.unwinding, _state.published = True, None, False, False
    try:
        yield
    finally:
        _state.active = False
        sys.unraisablehook = hook
        for signo, handler in previous.items():
            signal.signal(signo, handler)


def pending() -> int | None:
    """The signal that stopped the report, if one came."""
    return _state.pending


@contextmanager
def publishing():
    """The block that puts a finished report in place: it does not start
    once a signal came (one swallowed on its way up included), and no
    signal interrupts it; after it, signals are ignored."""
    if not _state.active or threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        if _state.pending is not None:
            _state.unwinding = True
            raise Stopped(_state.pending)
        yield
        _state.published = True
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
