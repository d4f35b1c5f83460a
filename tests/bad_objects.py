"""Objects whose special methods raise, for tests/test_bad_input.py.

Module level, so that pool workers started by spawn or forkserver can
import them. Each raises ``Trap`` (a plain Exception subclass) from the one
method it names, and behaves normally otherwise.
"""


class Trap(Exception):
    """What every bad object raises."""


class RaisingEq:
    def __eq__(self, other):
        raise Trap("__eq__")

    __hash__ = object.__hash__


def raising(method):
    """A class (named for ``method``) whose ``method`` raises Trap."""
    def trap(self, *args):
        raise Trap(method)
    return type("Raising" + method.strip("_").capitalize(), (), {method: trap})


RaisingHash = raising("__hash__")
RaisingRepr = raising("__repr__")
RaisingDel = raising("__del__")
RaisingReduce = raising("__reduce__")


class ErrorRaisingReduce(Exception):
    """An exception that cannot be pickled."""

    def __reduce__(self):
        raise Trap("__reduce__ of an exception")


class ErrorRaisingRepr(Exception):
    def __repr__(self):
        raise Trap("__repr__ of an exception")

    def __str__(self):
        raise Trap("__str__ of an exception")


def return_it(make):
    """Calls ``make`` in the worker and returns what it made."""
    return make()


def raise_it(make):
    """Calls ``make`` in the worker and raises what it made."""
    raise make()


def echo(value):
    return value
