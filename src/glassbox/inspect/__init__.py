"""Inspecting compiled models: the residual stream read by label, figures, the HTML report.

>>> import glassbox as gb
>>> from glassbox import inspect, programs
>>> model = gb.compile_rasp_to_model(programs.make_length(), vocab={"a"}, max_seq_len=3)
>>> inspect.decode_residual(model, ["a", "a"]).value("L0 mlp", "length", 2)
2
"""

from glassbox.inspect.decode import Reading as Reading
from glassbox.inspect.decode import ResidualDecode as ResidualDecode
from glassbox.inspect.decode import Stage as Stage
from glassbox.inspect.decode import decode_residual as decode_residual
from glassbox.inspect.verification import Verification as Verification
from glassbox.inspect.verification import verify as verify
