"""glassbox's own random-program fuzzer: typed random RASP programs, checked against the evaluator, shrunk.

>>> from glassbox import fuzz
>>> program = fuzz.generate(seed=0, index=3)
>>> print(fuzz.to_source(program).splitlines()[0])
from glassbox import rasp
"""

from glassbox.fuzz.campaign import Failure as Failure
from glassbox.fuzz.campaign import Summary as Summary
from glassbox.fuzz.campaign import run as run
from glassbox.fuzz.generate import generate as generate
from glassbox.fuzz.oracle import Outcome as Outcome
from glassbox.fuzz.oracle import agree as agree
from glassbox.fuzz.oracle import check as check
from glassbox.fuzz.program import Node as Node
from glassbox.fuzz.program import Program as Program
from glassbox.fuzz.program import build as build
from glassbox.fuzz.program import to_source as to_source
from glassbox.fuzz.program import typecheck as typecheck
from glassbox.fuzz.shrink import shrink as shrink

__all__ = ["Failure", "Node", "Outcome", "Program", "Summary", "agree", "build", "check", "generate", "run", "shrink",
           "to_source", "typecheck"]
