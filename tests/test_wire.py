"""The process pool's wire format (cfutures._core.shared._frames, bodies by cfutures._core.shared._codec), over os.pipe().

Frames written with ``frame_parts`` + ``write_all`` come back whole from a
``FrameReader``: small and large, several per read, fed a byte at a time,
with out-of-band buffers (read-only ones as ``bytes``, writable ones as
``bytearray``). A pipe that ends inside a frame raises EOFError; a header no
writer makes raises ValueError. Exceptions cross as the stdlib's do: same
type and arguments, the remote traceback as ``__cause__``.

These are cfutures-only (the stdlib has no such layer); skipped when the
compiled core is off.
"""
import os
import pickle
import struct
import threading

import pytest

from support import LONG, NO_EXTENSIONS

if NO_EXTENSIONS:
    pytest.skip("CFUTURES_NO_EXTENSIONS is set", allow_module_level=True)

from concurrent.futures.process import _RemoteTraceback  # noqa: E402
from multiprocessing.reduction import ForkingPickler  # noqa: E402

from cfutures._core.shared import _codec, _frames  # noqa: E402

CALLS = _frames.FrameKind.FRAME_CALLS
RESULTS = _frames.FrameKind.FRAME_RESULTS
HEADER_SIZE = 24           # kind, count, nbufs, reserved: u32; body_len: u64
READ_ONLY_BIT = 1 << 63
PIPE_CAPACITY = 65536      # Linux's default; the large frames exceed it


@pytest.fixture
def pipe():
    """(read fd, write fd), both closed at teardown."""
    read_fd, write_fd = os.pipe()
    ends = {"read": read_fd, "write": write_fd}
    yield ends
    for fd in ends.values():
        if fd is not None:
            os.close(fd)


def close_writer(pipe):
    os.close(pipe["write"])
    pipe["write"] = None


def encode(obj):
    """(body, out-of-band buffers) as the pool pickles ``obj``."""
    collector = _codec.BufferCollector()
    body = _codec.dumps(obj, collector)
    return body, list(collector.buffers)


def write_in_thread(fd, parts):
    """write_all() from another thread: frames larger than the pipe need a
    reader at the same time."""
    errors = []

    def write():
        try:
            _frames.write_all(fd, parts)
        except BaseException as exc:   # reported by the test
            errors.append(exc)
    thread = threading.Thread(target=write)
    thread.start()
    return thread, errors


def header(kind, count, nbufs, reserved, body_len, *buffer_lengths):
    return struct.pack("=IIIIQ", kind, count, nbufs, reserved, body_len) + \
        struct.pack(f"={len(buffer_lengths)}Q", *buffer_lengths)


# -- round trips -------------------------------------------------------------

def test_small_frame_round_trip(pipe):
    calls = [(divmod, (7, 2), None), (max, (1, 2), {"key": abs})]
    body, buffers = encode(calls)
    assert buffers == []
    _frames.write_all(pipe["write"], _frames.frame_parts(CALLS, 2, body, None))
    frame = _frames.FrameReader().read_frame(pipe["read"])
    assert (frame.kind, frame.count) == (CALLS, 2)
    assert frame.body == body
    assert frame.buffers == []
    assert _codec.loads(frame.body, frame.buffers) == calls


def test_several_frames_in_one_read_come_back_in_order(pipe):
    for i in range(5):
        body, _ = encode(["result", i])
        _frames.write_all(pipe["write"], _frames.frame_parts(RESULTS, i, body, None))
    close_writer(pipe)
    reader = _frames.FrameReader()
    frames = []
    while (frame := reader.read_frame(pipe["read"])) is not None:
        frames.append(frame)
    assert [f.count for f in frames] == [0, 1, 2, 3, 4]
    assert [_codec.loads(f.body, f.buffers) for f in frames] == [
        ["result", i] for i in range(5)]


def test_frame_fed_one_byte_at_a_time(pipe):
    body, _ = encode({"payload": list(range(100))})
    parts = _frames.frame_parts(RESULTS, 1, body, None)
    data = b"".join(bytes(part) for part in parts)
    os.set_blocking(pipe["read"], False)
    reader = _frames.FrameReader()
    assert reader.fill(pipe["read"]) == -1     # nothing there yet
    for i, byte in enumerate(data):
        assert reader.next_frame() is None, f"frame complete after {i} bytes"
        os.write(pipe["write"], bytes([byte]))
        assert reader.fill(pipe["read"]) == 1
    frame = reader.next_frame()
    assert frame is not None and frame.count == 1
    assert _codec.loads(frame.body, frame.buffers) == {"payload": list(range(100))}
    assert reader.next_frame() is None


def test_out_of_band_buffers_keep_their_kind_and_bytes(pipe):
    read_only = bytes(range(256)) * 1024          # 256 KiB
    writable = bytearray(b"w" * 300_000)
    obj = ("tag", pickle.PickleBuffer(read_only), pickle.PickleBuffer(writable))
    body, buffers = encode(obj)
    assert len(buffers) == 2                       # both left the pickle
    assert len(body) < 1000
    parts = _frames.frame_parts(RESULTS, 1, body, buffers)
    thread, errors = write_in_thread(pipe["write"], parts)
    reader = _frames.FrameReader()
    frame = reader.read_frame(pipe["read"])
    thread.join(LONG)
    assert not thread.is_alive() and errors == []
    assert [type(b) for b in frame.buffers] == [bytes, bytearray]
    tag, first, second = _codec.loads(frame.body, frame.buffers)
    assert tag == "tag"
    assert bytes(first) == read_only
    assert bytes(second) == bytes(writable)
    assert reader.largest >= len(read_only) + len(writable)


def test_frame_with_more_buffers_than_one_writev_takes(pipe):
    # 100 buffers of 70 KB: more parts than one writev() is given, and far
    # more bytes than the pipe holds, so the writes are partial.
    chunks = [bytes([i]) * 70_000 for i in range(100)]
    body, buffers = encode([pickle.PickleBuffer(c) for c in chunks])
    assert len(buffers) == 100
    thread, errors = write_in_thread(
        pipe["write"], _frames.frame_parts(RESULTS, 100, body, buffers))
    frame = _frames.FrameReader().read_frame(pipe["read"])
    thread.join(LONG)
    assert not thread.is_alive() and errors == []
    assert [bytes(b) for b in _codec.loads(frame.body, frame.buffers)] == chunks


def test_large_body_larger_than_the_pipe(pipe):
    payload = list(range(200_000))                 # a pickle of ~1 MB
    body, buffers = encode(payload)
    assert len(body) > PIPE_CAPACITY and buffers == []
    thread, errors = write_in_thread(
        pipe["write"], _frames.frame_parts(RESULTS, 1, body, None))
    frame = _frames.FrameReader().read_frame(pipe["read"])
    thread.join(LONG)
    assert errors == []
    assert _codec.loads(frame.body, frame.buffers) == payload


# -- endings and bad input ----------------------------------------------------

def test_end_of_file_between_frames_is_none(pipe):
    close_writer(pipe)
    assert _frames.FrameReader().read_frame(pipe["read"]) is None


@pytest.mark.parametrize("cut", ["in the header", "in the body", "in a buffer"])
def test_pipe_that_ends_inside_a_frame_raises_eof(pipe, cut):
    body, buffers = encode(("x", pickle.PickleBuffer(b"b" * 100_000)))
    data = b"".join(bytes(p) for p in _frames.frame_parts(RESULTS, 1, body, buffers))
    header_len = HEADER_SIZE + 8 * len(buffers)
    keep = {"in the header": HEADER_SIZE - 3,
            "in the body": header_len + len(body) // 2,
            "in a buffer": len(data) - 10}[cut]
    write_fd = pipe.pop("write")

    def write_then_close():
        try:
            _frames.write_all(write_fd, [data[:keep]])
        finally:
            os.close(write_fd)
    thread = threading.Thread(target=write_then_close)
    thread.start()
    try:
        with pytest.raises(EOFError):
            _frames.FrameReader().read_frame(pipe["read"])
    finally:
        thread.join(LONG)
    assert not thread.is_alive()


@pytest.mark.parametrize("bad_header", [
    header(RESULTS, 1, 5000, 0, 10),              # more buffers than allowed
    header(RESULTS, 1, 0, 7, 10),                 # reserved field set
    header(RESULTS, 1, 0, 0, 2**64 - 1),          # body beyond any size
    header(RESULTS, 1, 1, 0, 2**62, 2**62 | READ_ONLY_BIT),  # sum overflows
], ids=["buffers", "reserved", "body-size", "total-size"])
def test_corrupt_header_raises_value_error(pipe, bad_header):
    os.write(pipe["write"], bad_header)
    with pytest.raises(ValueError, match="corrupt frame header"):
        _frames.FrameReader().read_frame(pipe["read"])


def test_oversized_but_well_formed_frame_fails_to_allocate(pipe):
    os.write(pipe["write"], header(RESULTS, 1, 0, 0, 2**62))
    with pytest.raises(MemoryError):
        _frames.FrameReader().read_frame(pipe["read"])


# -- pickling ----------------------------------------------------------------

class Refused:
    """The plain pickler refuses it; multiprocessing's knows how."""

    def __init__(self, value):
        self.value = value

    def __reduce__(self):
        raise TypeError("not with the plain pickler")


ForkingPickler.register(Refused, lambda obj: (Refused, (obj.value,)))


def test_dumps_falls_back_to_multiprocessings_pickler():
    body, _ = encode([Refused(42)])
    [copy] = pickle.loads(body)
    assert type(copy) is Refused and copy.value == 42


class CustomError(Exception):
    def __init__(self, message, code):
        super().__init__(message, code)
        self.code = code


def raised(exc):
    try:
        raise exc
    except BaseException as caught:
        return caught


def test_exception_round_trip_keeps_type_arguments_and_traceback():
    encoded = _codec.encode_exception(raised(CustomError("boom", 7)))
    exc = _codec.decode_exception(pickle.loads(pickle.dumps(encoded)))
    assert type(exc) is CustomError
    assert exc.args == ("boom", 7) and exc.code == 7
    assert isinstance(exc.__cause__, _RemoteTraceback)
    assert "CustomError: ('boom', 7)" in str(exc.__cause__)
    assert "raise exc" in str(exc.__cause__)


class Unpicklable(Exception):
    def __reduce__(self):
        raise RuntimeError("cannot pickle this error")


def test_exception_that_cannot_be_pickled_becomes_the_pickling_error():
    exc = _codec.decode_exception(_codec.encode_exception(raised(Unpicklable())))
    assert type(exc) is RuntimeError
    assert "cannot pickle this error" in str(exc)
    assert isinstance(exc.__cause__, _RemoteTraceback)


def test_decoding_a_non_exception_gives_a_type_error():
    exc = _codec.decode_exception(("text", pickle.dumps("not an exception")))
    assert type(exc) is TypeError
    assert "non-exception" in str(exc)
