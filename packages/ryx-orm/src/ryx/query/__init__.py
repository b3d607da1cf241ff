"""The query layer: `QuerySet`, `Q`, `F` and the aggregates."""

from ryx.query.aggregates import Aggregate, Avg, Count, Max, Min, RawAgg, Sum
from ryx.query.expressions import CombinedExpression, Expression, F, OrderBy, Value
from ryx.query.q import Q
from ryx.query.queryset import QuerySet

__all__ = [
    "Aggregate",
    "Avg",
    "CombinedExpression",
    "Count",
    "Expression",
    "F",
    "Max",
    "Min",
    "OrderBy",
    "Q",
    "QuerySet",
    "RawAgg",
    "Sum",
    "Value",
]
