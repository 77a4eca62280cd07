"""Named config evaluators for rules that the declarative check kinds cannot express.

A rule pack refers to one as ``{kind: function, name: ios.aaa_login}``: the module (one per
platform, plus ``infra`` and ``hash_style`` for checks written once for several platforms)
and the function. Every public function of these modules with the evaluator signature
``(cfg, params, facts) -> Judgement`` is available under that name.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType

from netcensus.compliance.evaluators import comware, hash_style, infra, ios, vrp
from netcensus.compliance.evaluators.common import Facts, Judgement, ParsedConfig
from netcensus.compliance.parameters import Parameters

Evaluator = Callable[[ParsedConfig, Parameters, Facts], Judgement]

_MODULES: dict[str, ModuleType] = {
    "ios": ios,
    "vrp": vrp,
    "comware": comware,
    "infra": infra,
    "hash_style": hash_style,
}


def _is_evaluator(obj: object, module: ModuleType) -> bool:
    if not inspect.isfunction(obj) or obj.__module__ != module.__name__:
        return False
    return list(inspect.signature(obj).parameters) == ["cfg", "params", "facts"]


EVALUATORS: dict[str, Evaluator] = {
    f"{prefix}.{name}": obj
    for prefix, module in _MODULES.items()
    for name, obj in vars(module).items()
    if not name.startswith("_") and _is_evaluator(obj, module)
}

__all__ = ["EVALUATORS", "Evaluator", "Facts", "Judgement", "ParsedConfig"]
