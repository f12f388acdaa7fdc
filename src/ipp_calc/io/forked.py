"""Work shared with forked children, claim by claim (issue 18): a year's workbooks are read, and a
long report sheet is rendered, by this process and one or more forked children at once.

Why claims, not shares fixed in advance (measured in ``bench/``): every process, this one
included, takes the next piece of work from one queue (:class:`Claims`: a pipe holding a 4-byte
claim per piece; a read of 4 bytes from a pipe takes them whole), so whichever process is free
takes the next piece, and all finish within about one piece of each other, whatever else this
process did meanwhile and however busy the machine is. Shares fixed by a cost model left one
process waiting ~20 ms for the other on a statewide year.

Why fork, not a process pool: a fork starts in a few milliseconds with everything already
imported and already loaded (the measure set, the year's results); a pool started fresh
interpreters and pickled every task, and cost more than it saved.

A child (:class:`Child`) sends each result as it has it, pickled, one frame each; the parent
takes what has arrived between its own pieces. Nothing depends on a child: a piece a child did
not deliver (it died, was killed, sent what does not unpickle) is done by the parent at the end,
so the outcome is the same with one process or many, to the byte.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar, cast

T = TypeVar("T")

#: So many claims fit in the smallest pipe buffer of a system that forks (16 KiB on macOS;
#: Linux's is 64 KiB); more pieces are claimed in batches of consecutive ones.
MAX_CLAIMS = 4096


def can_fork() -> bool:
    return hasattr(os, "fork")


class Claims:
    """A queue of ``pieces`` pieces of work, in the order given, for this process and its
    children: :meth:`next` is the next batch of pieces (empty: none left)."""

    def __init__(self, order: Sequence[int], max_claims: int | None = None) -> None:
        self.order = list(order)
        self.batch = max(1, -(-len(self.order) // (max_claims or MAX_CLAIMS)))  # pieces per claim
        claims = -(-len(self.order) // self.batch)
        self.read_end: int | None
        self.read_end, write_end = os.pipe()
        try:
            os.set_blocking(write_end, False)
            with contextlib.suppress(BlockingIOError):  # a claim that did not fit is done by the parent at the end
                os.write(write_end, b"".join(number.to_bytes(4, "little") for number in range(claims)))
        finally:
            os.close(write_end)  # no writer: a read at the end returns nothing

    def next(self) -> Sequence[int]:
        """The pieces of the next claim (none: the queue is empty, or closed here)."""
        if self.read_end is None:
            return ()
        token = os.read(self.read_end, 4)
        number = int.from_bytes(token, "little") if len(token) == 4 else -1
        if number < 0 or number * self.batch >= len(self.order):  # empty (or torn: the parent does the rest)
            return ()
        return self.order[number * self.batch : (number + 1) * self.batch]

    def close(self) -> None:
        if self.read_end is not None:
            with contextlib.suppress(OSError):
                os.close(self.read_end)
            self.read_end = None


#: What a child runs: given ``send``, it sends each result (anything that pickles) as it has it.
Work = Callable[[Callable[[object], None]], None]


class Child:
    """A forked child running :data:`Work`: its pid, the read end of its results pipe, and what
    has arrived of a frame. ``accept`` says whether an unpickled frame is a result at all; the
    first that is not (or does not unpickle) ends the child."""

    def __init__(self, work: Work, accept: Callable[[object], bool]) -> None:
        import fcntl  # where there is fork, there is fcntl

        read_end, write_end = os.pipe()
        with contextlib.suppress(AttributeError, OSError):  # Linux: room for what arrives while the parent is busy
            fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 1 << 20)
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            raise
        if pid == 0:  # the child: never returns
            os.close(read_end)
            code = 0
            try:
                with os.fdopen(write_end, "wb") as out:

                    def send(item: object) -> None:
                        blob = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
                        out.write(len(blob).to_bytes(4, "little"))
                        out.write(blob)
                        out.flush()

                    work(send)
            except BaseException:  # anything at all: what it did not send, the parent does
                code = 1
            os._exit(code)  # no exit handlers, no flushing of the parent's buffered output
        os.close(write_end)
        os.set_blocking(read_end, False)
        self.pid, self.read_end, self.accept = pid, read_end, accept
        self.buffer = bytearray()
        self.open = True

    def receive(self, *, wait: bool) -> list[object]:
        """The results that have arrived (``wait``: every one it will send, then it is reaped)."""
        got: list[object] = []
        if not self.open:
            return got
        if wait:
            os.set_blocking(self.read_end, True)
        while True:
            try:
                chunk = os.read(self.read_end, 1 << 20)
            except BlockingIOError:
                break
            except OSError:
                chunk = b""
            if not chunk:
                self.stop()
                break
            self.buffer += chunk
            if not self._frames(got):
                self.stop()
                break
        return got

    def _frames(self, got: list[object]) -> bool:
        """Move the complete frames of the buffer into ``got``; False if one is not a result."""
        buffer = self.buffer
        while len(buffer) >= 4:
            size = int.from_bytes(buffer[:4], "little")
            if len(buffer) < 4 + size:
                break
            try:
                item = pickle.loads(bytes(buffer[4 : 4 + size]))
            except Exception:
                return False
            del buffer[: 4 + size]
            if not self.accept(item):
                return False
            got.append(item)
        return True

    def stop(self) -> None:
        """Kill (if still running), close and reap: no zombie and no open pipe left behind."""
        if not self.open:
            return
        self.open = False
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.close(self.read_end)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)


class SharedWork(Generic[T]):
    """``count`` pieces of work (``do(index)``, a pure function of the index) done by this process
    and ``jobs - 1`` forked children, claim by claim in ``order`` (default: index order).

    The children start at once, so this process can do other work before it joins them in
    :meth:`finish`, which gives every piece's result in index order: a child sends each result as
    it has it (``accepts`` says whether what arrived is a result at all), this process takes what
    has arrived between its own pieces, and does at the end whatever no child delivered. Used
    as a context manager: children not collected (an error came first) are stopped on exit."""

    def __init__(
        self,
        count: int,
        do: Callable[[int], T],
        accepts: Callable[[object], bool],
        *,
        jobs: int = 1,
        order: Iterable[int] | None = None,
        max_claims: int | None = None,
    ) -> None:
        self.count, self.do, self.accepts = count, do, accepts
        self.results: list[T | _Missing] = [_MISSING] * count
        self.done_here: list[int] = []  # the pieces this process did, in its order
        self.done = 0  # results in hand
        self.progress: Callable[[int, int], None] | None = None
        self.children: list[Child] = []
        self.claims: Claims | None = None
        if jobs > 1 and count > 0 and can_fork():
            try:
                self.claims = Claims(list(order) if order is not None else range(count), max_claims)
                for _ in range(jobs - 1):
                    self.children.append(Child(self._child_work, self._is_result))
            except OSError:  # no process or pipe to be had (EAGAIN, ENOMEM, EMFILE): those started share
                if not self.children:
                    self.stop()
                    self.claims = None

    def __enter__(self) -> SharedWork[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop and reap the children still running, close the queue."""
        for child in self.children:
            child.stop()
        self.children = []
        if self.claims is not None:
            self.claims.close()

    def _claim(self) -> Sequence[int]:
        return self.claims.next() if self.claims is not None else ()

    def _child_work(self, send: Callable[[object], None]) -> None:
        """In a child: claim after claim, each piece's ``(index, result)``."""
        while batch := self._claim():
            for index in batch:
                send((index, self.do(index)))

    def _is_result(self, item: object) -> bool:
        return (
            isinstance(item, tuple)
            and len(item) == 2
            and isinstance(item[0], int)
            and 0 <= item[0] < self.count
            and self.accepts(item[1])
        )

    def finish(self, progress: Callable[[int, int], None] | None = None) -> list[T]:
        """Every piece's result, in index order (``progress(done, count)`` as they come in)."""
        self.progress = progress
        while batch := self._claim():  # none without children: the sweep below does every piece
            for index in batch:
                self._do_here(index)
                for child in self.children:
                    self._take(child, wait=False)
        if self.claims is not None:
            self.claims.close()
        while self.children:
            self._take(self.children.pop(0), wait=True)
        for index, result in enumerate(self.results):
            if result is _MISSING:  # a child died with it, or never sent it
                self._do_here(index)
        return [cast(T, result) for result in self.results]

    def _do_here(self, index: int) -> None:
        self.done_here.append(index)
        self._place(index, self.do(index))

    def _take(self, child: Child, *, wait: bool) -> None:
        for item in child.receive(wait=wait):
            index, result = cast(tuple[int, T], item)
            self._place(index, result)

    def _place(self, index: int, result: T) -> None:
        if self.results[index] is _MISSING:
            self.results[index] = result
            self.done += 1
            if self.progress:
                self.progress(self.done, self.count)


class _Missing:
    """No result yet (a result may be None)."""


_MISSING = _Missing()
