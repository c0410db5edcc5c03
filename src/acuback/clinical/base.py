"""What every engine input and result shares: one error type, strict fields, frozen models.

Inputs are strict so that a script's `"age": "40"` or `"age": true` is refused with the
field named, not silently turned into a number; dates are ISO strings (or dates) only.
Results are frozen pydantic models: a record stores their JSON and reads the same model
back, so views and templates never pick dicts apart.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from typing import Annotated, Any, TypeVar, TypeVarTuple

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from acuback.knowledge.loader import Remembered


class InputError(ValueError):
    """Input that cannot be used (an intake, a score series, a chart); `field` names where."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    @property
    def sentence(self) -> str:
        """The message on its own, as a form shows it beside the field."""
        return self.message[:1].upper() + self.message[1:]


class Input(BaseModel):
    """An engine input: unknown keys, NaN and infinity are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Result(BaseModel):
    """An engine result; `version` on the top-level results says which shape was stored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# English month names whatever the server's locale (strftime's %b follows LC_TIME).
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def spoken(day: date) -> str:
    """A date as every page and message shows it: 2 Jan 2026."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _iso_date(value: Any) -> Any:
    # Pydantic's lax mode would read 1700000000 as a date; a clinical date is written out.
    if isinstance(value, date) or (isinstance(value, str) and len(value) == 10):
        return value
    raise ValueError("must be a date written as YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Whole = Annotated[int, Field(strict=True)]
Code = Annotated[str, Field(strict=True, min_length=1, max_length=64)]

ModelT = TypeVar("ModelT", bound=BaseModel)
T = TypeVar("T")
Ts = TypeVarTuple("Ts")

# Entries worked out for intakes, beyond those prepared at load, before the store starts
# afresh. Most are parts shared by many answers (a reason, an exclusion); 20,000 random
# intakes made 14,049 at about 2.1 KB each, so this bounds them near 17 MB a process. A
# clinic meets far fewer combinations.
DERIVED_LIMIT = 8_192


def derived(store: Remembered, key: Hashable, work_out: Callable[[*Ts], T], *args: *Ts) -> T:
    """`work_out(*args)`, remembered under `key` in a knowledge base's store.

    Only for values that follow from the key and the knowledge base alone and are frozen,
    so sharing one between intakes is the same as working it out again. The arguments are
    passed apart, not bound in a closure, as most calls find the value already there.
    """
    try:
        value: T = store[key]
        return value
    except KeyError:
        pass
    value = work_out(*args)
    if len(store) >= store.kept + DERIVED_LIMIT and not store.preparing:
        store.start_afresh()
    store[key] = value
    return value


_PLAIN = {
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "finite_number": "must be a finite number (NaN and infinity are not scores)",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
}


def validated(model: type[ModelT], raw: Any, whole: str) -> ModelT:
    """Validate with pydantic, reporting the first problem as an InputError on its field."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(part) for part in err["loc"]) or whole
        message = _PLAIN.get(err["type"], err["msg"])
        if err["type"] in _PLAIN and "input" in err:
            message += f", got {err['input']!r}"
        raise InputError(field, message) from None
