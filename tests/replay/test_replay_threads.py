"""Replay recordings in several threads at once keep their own guards."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from autograd_tiny import Value
from autograd_tiny.replay import GuardError, record


def _branchy(barrier: threading.Barrier) -> Any:
    def f(x: Value) -> Value:
        barrier.wait()  # both recordings are in progress together
        positive = x > 0.0  # the guard each recording must keep
        barrier.wait()
        return x * 2.0 if positive else x * -1.0

    return f


@pytest.mark.parametrize("backend", ["tape", "python"])
def test_two_threads_recording_at_once_keep_their_own_guards(backend: str) -> None:
    barrier = threading.Barrier(2, timeout=10)
    programs: dict[int, Any] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            programs[k] = record(_branchy(barrier), 3.0, backend=backend, strict=True)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for program in programs.values():
        assert program.run(5.0) == 10.0
        with pytest.raises(GuardError):
            program.run(-3.0)  # the other branch: the recorded graph does not hold


def test_comparisons_outside_a_recording_reach_no_observer() -> None:
    seen: list[Any] = []
    from autograd_tiny.modes import watch_comparisons

    with watch_comparisons(lambda *args: seen.append(args)):
        assert Value(1.0) < 2.0
        done = threading.Event()
        other: list[bool] = []
        threading.Thread(target=lambda: (other.append(Value(1.0) < 2.0), done.set())).start()
        assert done.wait(10)
    assert Value(1.0) < 2.0  # after the block: not observed
    assert [(op, result) for op, _, _, result in seen] == [("<", True)]
