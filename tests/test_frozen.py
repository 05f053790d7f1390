"""The descriptor-based ``__init__`` of the model's frozen dataclasses behaves like the generated one."""

from __future__ import annotations

import dataclasses
import pickle
from ipaddress import ip_network

import pytest

from policylint import model
from policylint._frozen import fast_init


def _pair() -> tuple[type, type]:
    def make() -> type:
        @dataclasses.dataclass(frozen=True, slots=True)
        class Entry:
            seq: int
            prefix: str
            ge: int | None = None
            span: tuple[int, int] = (1, 1)

        return Entry

    return make(), fast_init(make())


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((5, "10.0.0.0/8"), {}),
        ((5,), {"prefix": "x", "span": (2, 3)}),
        ((), {"seq": 1, "prefix": "p", "ge": 9}),
    ],
)
def test_same_objects_as_the_generated_init(args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    plain, fast = _pair()
    a, b = plain(*args, **kwargs), fast(*args, **kwargs)
    assert dataclasses.astuple(a) == dataclasses.astuple(b)
    assert repr(a).split("(", 1)[1] == repr(b).split("(", 1)[1]
    assert b == fast(*args, **kwargs) and hash(b) == hash(fast(*args, **kwargs))
    assert dataclasses.replace(b, seq=99).seq == 99


def test_same_errors_and_immutability() -> None:
    _, fast = _pair()
    with pytest.raises(TypeError):
        fast()
    with pytest.raises(TypeError):
        fast(1, "p", 2, (1, 1), "extra")
    with pytest.raises(TypeError):
        fast(1, "p", nope=3)
    obj = fast(1, "p")
    with pytest.raises(dataclasses.FrozenInstanceError):
        obj.seq = 2
    assert not hasattr(obj, "__dict__")


def test_model_objects_use_it_and_survive_pickling() -> None:
    assert any(
        n.endswith("_path") and n.startswith("_s") for n in model.Span.__init__.__code__.co_names
    )  # replaced
    assert not any(n.startswith("_s") for n in model.Network.__init__.__code__.co_names)  # kept
    span = model.Span("r1.conf", 3, 4)
    entry = model.PrefixEntry(10, model.Action.PERMIT, ip_network("192.0.2.0/24"), None, 24, span)
    assert entry.any is False and entry.high == 24
    assert pickle.loads(pickle.dumps(entry)) == entry
    assert model.Span(path="r1.conf", line=3, end_line=4) == span
