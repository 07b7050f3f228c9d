"""AWS Backup's schedule expressions: the 6-field AWS cron syntax of a backup rule's
``ScheduleExpression``, parsed and evaluated in UTC -- what the sandbox runs a plan's rules on.
No moto here; the extension calls :func:`parse` at ``CreateBackupPlan`` (a bad expression is
refused there) and :meth:`Cron.next_after` on the AWS clock.

The syntax is EventBridge's (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html#eb-cron-expressions),
which the BackupRule reference points to
(https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupRule.html):
``cron(Minutes Hours Day-of-month Month Day-of-week Year)``, in UTC --

* Minutes 0-59, Hours 0-23, Month 1-12 or JAN-DEC, Day-of-week 1-7 or SUN-SAT (1 is Sunday),
  Year 1970-2199; every field takes ``*``, ``a``, ``a-b``, ``a/n``, ``a-b/n``, ``*/n`` and
  comma-separated lists of those;
* Day-of-month 1-31 also takes ``L`` (the last day of the month), ``LW`` (its last weekday)
  and ``nW`` (the weekday nearest day n, within the month); Day-of-week also takes ``L``
  (Saturday, the week's last day), ``nL`` (the month's last day n) and ``n#k`` (the k-th
  day n of the month);
* one of Day-of-month and Day-of-week must be ``?`` (not both: "You can't specify the
  Day-of-month and Day-of-week fields in the same cron expression").

AWS Backup adds its own limits: a rule runs at most once an hour (the Developer Guide's
"Backup frequency": hourly is the shortest), so Minutes must name one minute; ``rate()``
expressions are not accepted (only cron is, per the BackupRule reference). A rule without a
``ScheduleExpression`` runs on ``cron(0 5 ? * * *)`` (BackupRuleInput: "When no CRON
expression is provided, Backup will use the default expression").
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

DEFAULT: Final = "cron(0 5 ? * * *)"
MONTHS: Final = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
DAYS: Final = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_NONE: Final[dict[str, int]] = {}
_FIELDS: Final[tuple[tuple[str, int, int, dict[str, int]], ...]] = (
    ("Minutes", 0, 59, _NONE),
    ("Hours", 0, 23, _NONE),
    ("Day-of-month", 1, 31, _NONE),
    ("Month", 1, 12, MONTHS),
    ("Day-of-week", 1, 7, DAYS),
    ("Year", 1970, 2199, _NONE),
)


class ScheduleError(ValueError):
    """An expression AWS Backup refuses; ``str()`` says what is wrong with it."""


def _number(text: str, field: str, low: int, high: int, names: dict[str, int]) -> int:
    value = names.get(text.upper()) if names else None
    if value is None:
        if not text.isdigit():
            raise ScheduleError(f"{field} value {text!r} is not a number")
        value = int(text)
    if not low <= value <= high:
        raise ScheduleError(f"{field} value {value} is outside {low}-{high}")
    return value


def _values(text: str, index: int) -> frozenset[int]:
    """The values a plain field (no ``?``/``L``/``W``/``#``) allows."""
    field, low, high, names = _FIELDS[index]
    found: set[int] = set()
    for item in text.split(","):
        base, _, step_text = item.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleError(f"{field} step {step_text!r} is not a positive number")
            step = int(step_text)
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start = _number(first, field, low, high, names)
            end = _number(last, field, low, high, names)
        else:
            start = _number(base, field, low, high, names)
            end = high if step_text else start
        span = (
            list(range(start, end + 1))
            if start <= end
            else [
                *range(start, high + 1),
                *range(low, end + 1),
            ]
        )  # a range that wraps (FRI-MON, NOV-FEB)
        found.update(span[::step])
    return frozenset(found)


@dataclass(frozen=True)
class _Days:
    """Day-of-month or Day-of-week: plain values and the special forms."""

    values: frozenset[int] = frozenset()
    last: bool = False  # dom L / dow L
    last_weekday: bool = False  # dom LW
    nearest_weekday: int | None = None  # dom nW
    last_of: frozenset[int] = frozenset()  # dow nL
    nth: frozenset[tuple[int, int]] = frozenset()  # dow n#k


def _day_of_month(text: str) -> _Days:
    if text == "L":
        return _Days(last=True)
    if text == "LW":
        return _Days(last_weekday=True)
    if text.endswith("W"):
        return _Days(nearest_weekday=_number(text[:-1], "Day-of-month", 1, 31, {}))
    return _Days(values=_values(text, 2))


def _day_of_week(text: str) -> _Days:
    if text == "L":
        return _Days(values=frozenset({7}))
    plain: list[str] = []
    last_of: set[int] = set()
    nth: set[tuple[int, int]] = set()
    for item in text.split(","):
        if item.endswith("L") and len(item) > 1:
            last_of.add(_number(item[:-1], "Day-of-week", 1, 7, DAYS))
        elif "#" in item:
            day, _, k = item.partition("#")
            nth.add(
                (_number(day, "Day-of-week", 1, 7, DAYS), _number(k, "Day-of-week #", 1, 5, {}))
            )
        else:
            plain.append(item)
    values = _values(",".join(plain), 4) if plain else frozenset()
    return _Days(values=values, last_of=frozenset(last_of), nth=frozenset(nth))


def _aws_weekday(day: date) -> int:
    """1 (Sunday) to 7 (Saturday)."""
    return (day.weekday() + 1) % 7 + 1


def _nearest_weekday(year: int, month: int, wanted: int) -> int | None:
    last = calendar.monthrange(year, month)[1]
    if wanted > last:
        return None
    weekday = date(year, month, wanted).weekday()  # Monday 0
    if weekday == 5:  # Saturday: the Friday before, or the Monday after on the 1st
        return wanted - 1 if wanted > 1 else wanted + 2
    if weekday == 6:  # Sunday: the Monday after, or the Friday before on the last day
        return wanted + 1 if wanted < last else wanted - 2
    return wanted


@dataclass(frozen=True)
class Cron:
    """A parsed expression; ``dom`` or ``dow`` is None for the field that is ``?``."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    dom: _Days | None
    months: frozenset[int]
    dow: _Days | None
    years: frozenset[int]

    def fires_on(self, day: date) -> bool:
        if day.year not in self.years or day.month not in self.months:
            return False
        last = calendar.monthrange(day.year, day.month)[1]
        if self.dom is not None:
            spec = self.dom
            if spec.last:
                return day.day == last
            if spec.last_weekday:
                wanted = _nearest_weekday(day.year, day.month, last)
                return day.day == wanted
            if spec.nearest_weekday is not None:
                return day.day == _nearest_weekday(day.year, day.month, spec.nearest_weekday)
            return day.day in spec.values
        assert self.dow is not None
        weekday = _aws_weekday(day)
        return (
            weekday in self.dow.values
            or (weekday in self.dow.last_of and day.day + 7 > last)
            or (weekday, (day.day - 1) // 7 + 1) in self.dow.nth
        )

    def next_after(self, after: datetime) -> datetime | None:
        """The first time strictly after ``after`` (UTC) the rule runs; None: never again."""
        after = after.astimezone(UTC)
        start = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.date()
        last_year = max(self.years)
        times = sorted((h, m) for h in self.hours for m in self.minutes)
        while day.year <= last_year:
            if day.year not in self.years:
                day = date(day.year + 1, 1, 1)
                continue
            if day.month not in self.months:
                day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
                continue
            if self.fires_on(day):
                for hour, minute in times:
                    when = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                    if when >= start:
                        return when
            day += timedelta(days=1)
        return None


def parse(expression: str | None) -> Cron:
    """The rule's schedule (the default when None or empty); :class:`ScheduleError` when AWS
    Backup would refuse it."""
    text = (expression or DEFAULT).strip()
    if not (text.startswith("cron(") and text.endswith(")")):
        raise ScheduleError("only cron(...) expressions are accepted")
    fields = text[len("cron(") : -1].split()
    if len(fields) != 6:
        raise ScheduleError(f"a cron expression has 6 fields, this one {len(fields)}")
    minute, hour, dom, month, dow, year = fields
    if "?" in (minute, hour, month, year):
        raise ScheduleError("'?' is allowed in Day-of-month or Day-of-week only")
    if (dom == "?") == (dow == "?"):
        raise ScheduleError("exactly one of Day-of-month and Day-of-week must be '?'")
    minutes = _values(minute, 0)
    if len(minutes) != 1:
        raise ScheduleError("backups run at most once an hour: Minutes must name one minute")
    return Cron(
        expression=text,
        minutes=minutes,
        hours=_values(hour, 1),
        dom=None if dom == "?" else _day_of_month(dom),
        months=_values(month, 3),
        dow=None if dow == "?" else _day_of_week(dow),
        years=_values(year, 5),
    )
