"""values_json: exact round trips that keep 1, 1.0 and True apart; clear errors for anything else."""

import json
import math

import numpy as np
import pytest

from glassbox.export import values_json

VALUES = [None, True, False, 0, 1, -7, 2**70, 1.0, 0.1, -0.0, 1e300, "a", "", "BOS", "ü", (), (1,),
          (1, 1.0, True, None, "1"), ((1, (2.5, ("x",))), ()), math.inf, -math.inf]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_round_trip_is_exact_through_json_text(value: object) -> None:
    back = values_json.decode(json.loads(json.dumps(values_json.encode(value), allow_nan=False)))
    assert back == value and _types(back) == _types(value)
    if isinstance(value, float):
        assert math.copysign(1.0, back) == math.copysign(1.0, value)


def test_nan_round_trips() -> None:
    assert math.isnan(values_json.decode(json.loads(json.dumps(values_json.encode(math.nan)))))


def test_one_one_point_zero_and_true_stay_distinct() -> None:
    encoded = [values_json.encode(v) for v in (1, 1.0, True)]
    assert len({json.dumps(e) for e in encoded}) == 3
    assert [type(values_json.decode(e)) for e in encoded] == [int, float, bool]


def test_numpy_scalars_become_python_values() -> None:
    assert values_json.decode(values_json.encode((np.int64(3), np.float32(0.5), np.bool_(True)))) == (3, 0.5, True)


@pytest.mark.parametrize("value", [[1], {1}, {"a": 1}, frozenset(), object(), b"x"], ids=repr)
def test_unsupported_types_raise(value: object) -> None:
    with pytest.raises(TypeError, match="cannot encode"):
        values_json.encode(value)


@pytest.mark.parametrize("data", [1, 1.5, [1], {"int": 1.5}, {"int": True}, {"float": "1"}, {"float": True},
                                  {"tuple": 1}, {"set": []}, {"int": 1, "float": 1.0}, {"tuple": [[1]]}], ids=repr)
def test_malformed_data_raises_with_its_path(data: object) -> None:
    with pytest.raises(ValueError, match=r"^vocab\[2\]"):
        values_json.decode(data, "vocab[2]")


def _types(value: object) -> object:
    return tuple(_types(v) for v in value) if isinstance(value, tuple) else type(value)
