"""The RASP program library (tracr-compatible names) and its catalog.

>>> from glassbox import programs
>>> programs.make_hist()("abac")
[2, 1, 2, 1]
"""

from glassbox.programs.catalog import LIBRARY as LIBRARY
from glassbox.programs.catalog import Entry as Entry
from glassbox.programs.library import detect_pattern as detect_pattern
from glassbox.programs.library import make_count as make_count
from glassbox.programs.library import make_count_less_freq as make_count_less_freq
from glassbox.programs.library import make_frac_prevs as make_frac_prevs
from glassbox.programs.library import make_hist as make_hist
from glassbox.programs.library import make_length as make_length
from glassbox.programs.library import make_nary_sequencemap as make_nary_sequencemap
from glassbox.programs.library import make_pair_balance as make_pair_balance
from glassbox.programs.library import make_reverse as make_reverse
from glassbox.programs.library import make_shuffle_dyck as make_shuffle_dyck
from glassbox.programs.library import make_shuffle_dyck2 as make_shuffle_dyck2
from glassbox.programs.library import make_sort as make_sort
from glassbox.programs.library import make_sort_freq as make_sort_freq
from glassbox.programs.library import make_sort_unique as make_sort_unique
from glassbox.programs.library import shift_by as shift_by
from glassbox.programs.paper import addition_prompt as addition_prompt
from glassbox.programs.paper import make_count_to as make_count_to
from glassbox.programs.paper import make_double_histogram as make_double_histogram
from glassbox.programs.paper import make_dyck_ptf as make_dyck_ptf
from glassbox.programs.paper import make_long_addition as make_long_addition
from glassbox.programs.paper import make_mark_first_instance as make_mark_first_instance
from glassbox.programs.paper import make_mode as make_mode
from glassbox.programs.paper import make_running_max as make_running_max
from glassbox.programs.paper import make_running_sum as make_running_sum
from glassbox.programs.paper import make_sort_by_most_frequent as make_sort_by_most_frequent
from glassbox.programs.paper import make_stable_sort as make_stable_sort

__all__ = [
    "Entry",
    "LIBRARY",
    "addition_prompt",
    "detect_pattern",
    "make_count",
    "make_count_less_freq",
    "make_count_to",
    "make_double_histogram",
    "make_dyck_ptf",
    "make_frac_prevs",
    "make_hist",
    "make_length",
    "make_long_addition",
    "make_mark_first_instance",
    "make_mode",
    "make_nary_sequencemap",
    "make_pair_balance",
    "make_reverse",
    "make_running_max",
    "make_running_sum",
    "make_shuffle_dyck",
    "make_shuffle_dyck2",
    "make_sort",
    "make_sort_by_most_frequent",
    "make_sort_freq",
    "make_sort_unique",
    "make_stable_sort",
    "shift_by",
]
