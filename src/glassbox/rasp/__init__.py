"""The RASP language (tracr-compatible API) and its reference evaluator.

A tracr program runs after changing only its imports:

>>> from glassbox import rasp
>>> hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ))
>>> hist([1, 2, 1])
[2, 1, 2]
"""

from glassbox.rasp.causal import look_aheads as look_aheads
from glassbox.rasp.causal import prefix_stable as prefix_stable
from glassbox.rasp.core import DEFAULT_ANNOTATORS as DEFAULT_ANNOTATORS
from glassbox.rasp.core import VT as VT
from glassbox.rasp.core import Annotator as Annotator
from glassbox.rasp.core import Encoding as Encoding
from glassbox.rasp.core import NumericValue as NumericValue
from glassbox.rasp.core import RASPExpr as RASPExpr
from glassbox.rasp.core import RASPExprT as RASPExprT
from glassbox.rasp.core import Selector as Selector
from glassbox.rasp.core import SelectorValue as SelectorValue
from glassbox.rasp.core import SOp as SOp
from glassbox.rasp.core import SOpT as SOpT
from glassbox.rasp.core import T as T
from glassbox.rasp.core import Value as Value
from glassbox.rasp.core import annotate as annotate
from glassbox.rasp.core import categorical as categorical
from glassbox.rasp.core import default_encoding as default_encoding
from glassbox.rasp.core import default_name as default_name
from glassbox.rasp.core import get_encoding as get_encoding
from glassbox.rasp.core import is_categorical as is_categorical
from glassbox.rasp.core import is_number as is_number
from glassbox.rasp.core import is_numerical as is_numerical
from glassbox.rasp.core import numerical as numerical
from glassbox.rasp.evaluator import DefaultRASPEvaluator as DefaultRASPEvaluator
from glassbox.rasp.evaluator import RASPEvaluator as RASPEvaluator
from glassbox.rasp.evaluator import evaluate as evaluate
from glassbox.rasp.evaluator import trace as trace
from glassbox.rasp.graph import labels as labels
from glassbox.rasp.graph import walk as walk
from glassbox.rasp.selectors import Comparison as Comparison
from glassbox.rasp.selectors import ConstantSelector as ConstantSelector
from glassbox.rasp.selectors import Predicate as Predicate
from glassbox.rasp.selectors import Select as Select
from glassbox.rasp.selectors import SelectorAnd as SelectorAnd
from glassbox.rasp.selectors import SelectorNot as SelectorNot
from glassbox.rasp.selectors import SelectorOr as SelectorOr
from glassbox.rasp.selectors import selector_and as selector_and
from glassbox.rasp.selectors import selector_not as selector_not
from glassbox.rasp.selectors import selector_or as selector_or
from glassbox.rasp.sops import Aggregate as Aggregate
from glassbox.rasp.sops import ConstantSOp as ConstantSOp
from glassbox.rasp.sops import Full as Full
from glassbox.rasp.sops import IndicesType as IndicesType
from glassbox.rasp.sops import LengthType as LengthType
from glassbox.rasp.sops import LinearSequenceMap as LinearSequenceMap
from glassbox.rasp.sops import Map as Map
from glassbox.rasp.sops import SelectorWidth as SelectorWidth
from glassbox.rasp.sops import SequenceMap as SequenceMap
from glassbox.rasp.sops import TokensType as TokensType
from glassbox.rasp.sops import indices as indices
from glassbox.rasp.sops import length as length
from glassbox.rasp.sops import sop_not as sop_not
from glassbox.rasp.sops import tokens as tokens

# tracr spells the comparisons as module constants too.
EQ, LT, LEQ, GT, GEQ, NEQ, TRUE, FALSE = (
    Comparison.EQ, Comparison.LT, Comparison.LEQ, Comparison.GT,
    Comparison.GEQ, Comparison.NEQ, Comparison.TRUE, Comparison.FALSE,
)

__all__ = [
    "Aggregate",
    "Annotator",
    "Comparison",
    "ConstantSOp",
    "ConstantSelector",
    "DEFAULT_ANNOTATORS",
    "DefaultRASPEvaluator",
    "EQ",
    "Encoding",
    "FALSE",
    "Full",
    "GEQ",
    "GT",
    "IndicesType",
    "LEQ",
    "LT",
    "LengthType",
    "LinearSequenceMap",
    "Map",
    "NEQ",
    "NumericValue",
    "Predicate",
    "RASPEvaluator",
    "RASPExpr",
    "RASPExprT",
    "SOp",
    "SOpT",
    "Select",
    "Selector",
    "SelectorAnd",
    "SelectorNot",
    "SelectorOr",
    "SelectorValue",
    "SelectorWidth",
    "SequenceMap",
    "T",
    "TRUE",
    "TokensType",
    "VT",
    "Value",
    "annotate",
    "categorical",
    "default_encoding",
    "default_name",
    "evaluate",
    "get_encoding",
    "indices",
    "is_categorical",
    "is_number",
    "is_numerical",
    "labels",
    "length",
    "look_aheads",
    "numerical",
    "prefix_stable",
    "selector_and",
    "selector_not",
    "selector_or",
    "sop_not",
    "tokens",
    "trace",
    "walk",
]
