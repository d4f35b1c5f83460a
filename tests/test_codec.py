"""The one codec (cfutures._core.shared._codec) compiled and as plain Python.

_codec.py is written in Cython's pure-Python mode: the process pool runs
the compiled module, and the Dask backend runs the same source uncompiled
where the compiled core is missing. Both must behave the same: answers by
index (fail_next, set_error, slice, extend, decode_errors,
isolate_unpicklable), exceptions that cross with their remote traceback,
and answers pickled by one and read by the other.
"""
import importlib.machinery
import importlib.util
import pathlib
import pickle
import sys

import pytest

from support import NO_EXTENSIONS

import cfutures._core.shared as shared_package

SOURCE = pathlib.Path(shared_package.__file__).with_name("_codec.py")


def plain_codec():
    """_codec.py run as Python source, under the compiled module's name
    (for its relative imports); not in sys.modules."""
    loader = importlib.machinery.SourceFileLoader(
        "cfutures._core.shared._codec", str(SOURCE))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def compiled_codec():
    from cfutures._core.shared import _codec
    if not isinstance(_codec.__loader__, importlib.machinery.ExtensionFileLoader):
        pytest.skip("the compiled core is not built here")
    return _codec


@pytest.fixture(params=["compiled", "plain"])
def codec(request, monkeypatch):
    if request.param == "plain":
        # In sys.modules for the test, as it is where nothing is compiled
        # (pickle finds Answers' rebuilder there).
        module = plain_codec()
        monkeypatch.setitem(sys.modules, module.__name__, module)
        return module
    if NO_EXTENSIONS:
        pytest.skip("CFUTURES_NO_EXTENSIONS is set")
    return compiled_codec()


class Unpicklable:
    def __reduce__(self):
        raise TypeError("cannot pickle Unpicklable")


def raised(exc):
    try:
        raise exc
    except BaseException as caught:
        return caught


def test_plain_source_is_the_compiled_modules_source():
    assert plain_codec().__file__ == str(SOURCE)


def test_answers_record_values_and_errors_by_index(codec):
    answers = codec.new_answers([], None)
    answers.values.append(1)
    answers.fail_next(codec.encode_exception(raised(ValueError("two"))))
    answers.values.append(3)
    assert answers.values == [1, None, 3]
    assert list(answers.errors) == [1]
    answers.set_error(2, codec.encode_exception(raised(KeyError("three"))))
    head, tail = answers.slice(0, 2), answers.slice(2, 3)
    assert head.values == [1, None] and list(head.errors) == [1]
    assert tail.values == [3] and list(tail.errors) == [0]
    head.extend(tail)
    assert head.values == [1, None, 3] and sorted(head.errors) == [1, 2]
    head.decode_errors()
    assert type(head.errors[1]) is ValueError
    assert type(head.errors[2]) is KeyError
    assert "ValueError: two" in str(head.errors[1].__cause__)


def test_unpicklable_values_fail_alone(codec):
    inner = codec.new_answers([1, Unpicklable()], None)
    answers = codec.new_answers([Unpicklable(), 2, inner], None)
    answers.isolate_unpicklable(codec.in_band_dumps)
    assert answers.values[:2] == [None, 2] and list(answers.errors) == [0]
    assert inner.values == [1, None] and list(inner.errors) == [1]
    error = codec.decode_exception(answers.errors[0])
    assert type(error) is TypeError and "cannot pickle" in str(error)
    # Now the whole answer pickles.
    codec.in_band_dumps(answers)


def test_exception_that_does_not_pickle_becomes_the_pickling_error(codec):
    class Local(Exception):   # a local class does not pickle
        pass
    error = codec.decode_exception(codec.encode_exception(raised(Local("x"))))
    assert isinstance(error, (pickle.PicklingError, AttributeError, TypeError))


def test_answers_cross_between_compiled_and_plain(monkeypatch):
    """A Dask worker without the compiled core answers a client with it."""
    if NO_EXTENSIONS:
        pytest.skip("CFUTURES_NO_EXTENSIONS is set")
    compiled, plain = compiled_codec(), plain_codec()
    with monkeypatch.context() as worker_side:
        worker_side.setitem(sys.modules, plain.__name__, plain)
        sent = pickle.dumps(plain.new_answers(
            [1, None], {1: plain.encode_exception(raised(OSError(5, "io")))}))
    received = pickle.loads(sent)
    assert type(received) is compiled.Answers
    received.decode_errors()
    assert received.values == [1, None]
    assert type(received.errors[1]) is OSError and received.errors[1].errno == 5
