"""Python operators of NKI tensors: each is the nl.* elementwise operation it denotes
(`a + b` is nl.add(a, b)), traced like the call. `+=` is NkiTensor.__iadd__ (it needs the
caller's reference count, so it stays with the class)."""
import sys

from .errors import _classify


def _kernel_operand(o):
    from .core import NkiTensor
    return isinstance(o, NkiTensor) or (isinstance(o, (int, float)) and not isinstance(o, bool))


def _called_from_kernel():
    """Whether the `==` being evaluated is in kernel source (not in the front end)."""
    return _classify(sys._getframe(2).f_code.co_filename) is not None


class TensorOperators:
    """Mixin of NkiTensor: arithmetic, comparison and bitwise operators."""

    def _bin(self, other, op, reverse=False):
        from . import language
        return language.binary(op, other, self) if reverse else language.binary(op, self, other)

    def __add__(self, o):
        return self._bin(o, "add")

    def __radd__(self, o):
        return self._bin(o, "add", True)

    def __sub__(self, o):
        return self._bin(o, "subtract")

    def __rsub__(self, o):
        return self._bin(o, "subtract", True)

    def __mul__(self, o):
        return self._bin(o, "multiply")

    def __rmul__(self, o):
        return self._bin(o, "multiply", True)

    def __truediv__(self, o):
        return self._bin(o, "divide")

    def __rtruediv__(self, o):
        return self._bin(o, "divide", True)

    def __pow__(self, o):
        return self._bin(o, "power")

    def __neg__(self):
        from . import language
        return language.negative(self)

    def __lt__(self, o):
        return self._bin(o, "less")

    def __le__(self, o):
        return self._bin(o, "less_equal")

    def __gt__(self, o):
        return self._bin(o, "greater")

    def __ge__(self, o):
        return self._bin(o, "greater_equal")

    # `a == b` / `a != b` written in a kernel are nl.equal / nl.not_equal; the front end's own
    # comparisons (`t in some_list`) keep identity, and tiles stay hashable by identity.
    def __eq__(self, o):
        if _kernel_operand(o) and _called_from_kernel():
            return self._bin(o, "equal")
        return self is o

    def __ne__(self, o):
        if _kernel_operand(o) and _called_from_kernel():
            return self._bin(o, "not_equal")
        return self is not o

    __hash__ = object.__hash__

    def __and__(self, o):
        return self._bin(o, "bitwise_and")

    def __or__(self, o):
        return self._bin(o, "bitwise_or")

    def __xor__(self, o):
        return self._bin(o, "bitwise_xor")

    def __isub__(self, o):
        return self._inplace(o, "subtract")

    def __imul__(self, o):
        return self._inplace(o, "multiply")

    def __itruediv__(self, o):
        return self._inplace(o, "divide")

    def _inplace(self, o, op):
        from . import language
        language.binary(op, self, o, out=self)
        return self
