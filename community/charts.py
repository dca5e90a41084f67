"""Server-side SVG charts for the staff pages: pure functions from figures to markup, so
that a chart needs no script and no inline style (the Content-Security-Policy allows
neither) and can be tested as text.

Each chart is a <figure> holding an <svg role="img"> named by its <title> and <desc> (a
one-sentence summary a screen reader reads out), a legend in text, and the same summary
as its visible caption. Series differ by
colour (the Okabe-Ito palette, safe for colour-blind readers) and also by line dash and
point marker (lines) or fill pattern (bars), so no reader depends on colour alone. Every
text is escaped with format_html before the markup is marked safe.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

# Okabe and Ito's palette, in the order that keeps neighbours apart.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000")
DASHES = ("", "8 4", "2 3", "10 3 2 3", "4 4", "1 2")
MARKERS = ("circle", "square", "triangle", "diamond", "cross")
# The corners of the polygon markers, in multiples of the marker's size.
MARKER_POINTS: dict[str, tuple[tuple[float, float], ...]] = {
    "triangle": ((0, -1.25), (1.15, 0.85), (-1.15, 0.85)),
    "diamond": ((0, -1.3), (1.3, 0), (0, 1.3), (-1.3, 0)),
    "cross": (
        (-1.2, -0.4), (-0.4, -0.4), (-0.4, -1.2), (0.4, -1.2), (0.4, -0.4), (1.2, -0.4),
        (1.2, 0.4), (0.4, 0.4), (0.4, 1.2), (-0.4, 1.2), (-0.4, 0.4), (-1.2, 0.4),
    ),
}  # fmt: skip
# Text on white: #1b1f24 is 16:1 and #4a5560 is 7.4:1, both above 4.5:1.
TEXT = "#1b1f24"
MUTED = "#4a5560"
GRID = "#c9d1d9"

WIDTH = 480
HEIGHT = 260
EMPTY_HEIGHT = 120
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 32, 48
FONT_SIZE = 13
MAX_X_LABELS = 7
MAX_Y_TICKS = 5

MINUTE = 60
HOUR = 3600
DAY = 86400
# Below two hours everywhere, the axis counts minutes; above, hours.
MINUTES_BELOW = 2 * HOUR

type Number = float | int
type Series = tuple[str, Sequence[Number | None]]


def _join(parts: Iterable[SafeString]) -> SafeString:
    # Every part comes out of format_html (or this function): escaped already.
    return mark_safe("".join(parts))  # noqa: S308


def _n(value: float) -> str:
    """A coordinate for an attribute: short, and the same on every machine."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def chart_id_for(title: str) -> str:
    """An id for a chart's <title> and <desc> derived from its title, stable from one
    render to the next."""
    slug = slugify(title)[:40] or "chart"
    digest = hashlib.sha256(title.encode()).hexdigest()[:6]
    return f"chart-{slug}-{digest}"


# Formatting for people -------------------------------------------------------------


def format_duration(seconds: float) -> str:
    """A duration in the largest two units that matter: "45 s", "20 min", "3 h 20 min",
    "6 d 3 h"."""
    total = round(abs(seconds))
    sign = "-" if seconds < 0 and total else ""
    if total < MINUTE:
        return sign + _("%(seconds)s s") % {"seconds": total}
    minutes_total = round(total / MINUTE)
    if minutes_total < 60:
        return sign + _("%(minutes)s min") % {"minutes": minutes_total}
    if total < 2 * DAY:
        hours, minutes = divmod(minutes_total, 60)
        if not minutes:
            return sign + _("%(hours)s h") % {"hours": hours}
        return sign + _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    hours_total = round(total / HOUR)
    days, hours = divmod(hours_total, 24)
    if not hours:
        return sign + _("%(days)s d") % {"days": days}
    return sign + _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}


def format_share(share: float) -> str:
    """A share of 0..1 as a percentage with one decimal: "28.6 %"."""
    # number_format cuts decimals off; round first.
    percent = round(share * 100, 1)
    return _("%(percent)s %%") % {"percent": number_format(percent, decimal_pos=1)}


def format_count(count: float) -> str:
    return number_format(round(count), decimal_pos=0, force_grouping=True)


def format_week(week: dt.date) -> str:
    return date_format(week, "DATE_FORMAT")


def _short_week(week: dt.date) -> str:
    return date_format(week, "M j")


# Scales ------------------------------------------------------------------------------


# Steps a reader counts time in: quarter hours, then whole hours, days and weeks.
MINUTE_STEPS = (1, 2, 5, 10, 15, 20, 30, 60)
HOUR_STEPS = (0.5, 1, 2, 3, 4, 6, 12, 24, 48, 72, 168)


def _fits(top: float, step: float) -> bool:
    return math.ceil(top / step - 1e-9) <= MAX_Y_TICKS


def _nice_step(top: float, preferred: Sequence[float] = ()) -> float:
    """The tick step that covers 0..top in at most MAX_Y_TICKS steps: the first of the
    preferred steps that does, else 1, 2, 2.5 or 5 times a power of ten."""
    if top <= 0:
        return preferred[0] if preferred else 1.0
    for step in preferred:
        if _fits(top, step):
            return step
    magnitude = 10 ** math.floor(math.log10(top / MAX_Y_TICKS))
    for factor in (1, 2, 2.5, 5, 10):
        if _fits(top, factor * magnitude):
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover - the loop ends at 10, which always fits


@dataclass(frozen=True)
class _Scale:
    step: float
    top: float
    divisor: float  # the axis shows value / divisor
    suffix: str  # "h", "min" or "" for counts

    @classmethod
    def for_values(cls, values: Iterable[Number], *, seconds: bool) -> _Scale:
        largest = max(values, default=0)
        if seconds:
            divisor, suffix = (MINUTE, "min") if largest < MINUTES_BELOW else (HOUR, "h")
        else:
            divisor, suffix = 1, ""
        shown = largest / divisor
        preferred = {"min": MINUTE_STEPS, "h": HOUR_STEPS}.get(suffix, ())
        step = _nice_step(shown, preferred)
        if not seconds:
            step = max(1.0, math.ceil(step))  # counts tick at whole numbers
        ticks = max(1, math.ceil(shown / step - 1e-9))
        return cls(step=step, top=ticks * step, divisor=divisor, suffix=suffix)

    def ticks(self) -> list[float]:
        count = round(self.top / self.step)
        return [index * self.step for index in range(count + 1)]

    def label(self, tick: float) -> str:
        decimals = 0 if float(tick).is_integer() else 1
        return number_format(tick, decimal_pos=decimals)

    def unit(self) -> str:
        """What the numbers on the axis count, written once above it."""
        if self.suffix == "h":
            return _("Hours")
        if self.suffix == "min":
            return _("Minutes")
        return ""

    def y(self, value: float) -> float:
        plot = HEIGHT - TOP - BOTTOM
        return HEIGHT - BOTTOM - (value / self.divisor) / self.top * plot


def _band(count: int) -> float:
    return (WIDTH - LEFT - RIGHT) / max(count, 1)


def _x(index: int, count: int) -> float:
    return LEFT + (index + 0.5) * _band(count)


# Pieces ------------------------------------------------------------------------------


def _text(x: float, y: float, text: str, *, anchor: str = "middle", fill: str = TEXT) -> SafeString:
    return format_html(
        '<text x="{}" y="{}" text-anchor="{}" fill="{}" font-size="{}">{}</text>',
        _n(x),
        _n(y),
        anchor,
        fill,
        FONT_SIZE,
        text,
    )


def _y_axis(scale: _Scale) -> SafeString:
    parts = []
    if scale.unit():
        parts.append(_text(8, 18, scale.unit(), anchor="start", fill=MUTED))
    for tick in scale.ticks():
        y = scale.y(tick * scale.divisor)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>',
                LEFT,
                _n(y),
                WIDTH - RIGHT,
                _n(y),
                GRID,
            )
        )
        parts.append(_text(LEFT - 6, y + 4, scale.label(tick), anchor="end", fill=MUTED))
    return _join(parts)


def _x_axis(labels: Sequence[str]) -> SafeString:
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    parts = [
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>',
            LEFT,
            HEIGHT - BOTTOM,
            WIDTH - RIGHT,
            HEIGHT - BOTTOM,
            MUTED,
        )
    ]
    for index, label in enumerate(labels):
        if index % every == 0:
            parts.append(_x_label(_x(index, len(labels)), label))
    return _join(parts)


def _x_label(x: float, label: str) -> SafeString:
    """A label under the axis; a long one of several words on two lines, so that
    neighbours do not run into each other."""
    y = HEIGHT - BOTTOM + 18
    words = label.split()
    if len(label) <= 8 or len(words) < 2:
        return _text(x, y, label, fill=MUTED)
    # Break at the space nearest the middle.
    cut = min(range(1, len(words)), key=lambda at: abs(len(" ".join(words[:at])) - len(label) / 2))
    return format_html(
        '<text x="{x}" y="{y}" text-anchor="middle" fill="{fill}" font-size="{size}">'
        '<tspan x="{x}">{first}</tspan><tspan x="{x}" dy="1.15em">{second}</tspan></text>',
        x=_n(x),
        y=_n(y),
        fill=MUTED,
        size=FONT_SIZE,
        first=" ".join(words[:cut]),
        second=" ".join(words[cut:]),
    )


def _marker(shape: str, x: float, y: float, fill: str, tooltip: str) -> SafeString:
    # A dark outline keeps the light colours of the palette visible on white.
    common = format_html('fill="{}" stroke="{}" stroke-width="1"', fill, TEXT)
    size = 4.5
    if shape == "circle":
        body = format_html('<circle cx="{}" cy="{}" r="{}" {}>', _n(x), _n(y), size, common)
        closing = "circle"
    elif shape == "square":
        body = format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" {}>',
            _n(x - size),
            _n(y - size),
            _n(2 * size),
            _n(2 * size),
            common,
        )
        closing = "rect"
    else:
        points = MARKER_POINTS[shape]
        body = format_html(
            '<polygon points="{}" {}>',
            " ".join(f"{_n(x + dx * size)},{_n(y + dy * size)}" for dx, dy in points),
            common,
        )
        closing = "polygon"
    if not tooltip:
        return format_html("{}</{}>", body, closing)
    return format_html("{}<title>{}</title></{}>", body, tooltip, closing)


def _dash(index: int) -> SafeString:
    dash = DASHES[index % len(DASHES)]
    return format_html(' stroke-dasharray="{}"', dash) if dash else mark_safe("")


def _line_swatch(index: int) -> SafeString:
    colour = PALETTE[index % len(PALETTE)]
    return format_html(
        '<svg class="chart-swatch" viewBox="0 0 40 16" width="40" height="16" aria-hidden="true"'
        ' focusable="false"><line x1="2" y1="8" x2="38" y2="8" stroke="{}" stroke-width="2.5"'
        "{}/>{}</svg>",
        colour,
        _dash(index),
        _marker(MARKERS[index % len(MARKERS)], 20, 8, colour, ""),
    )


def _pattern(pattern_id: str, index: int) -> SafeString:
    """The fill of the bars of series `index`: plain for the first, then hatched one
    way, the other way, or dotted, so that bars differ without their colour."""
    colour = PALETTE[index % len(PALETTE)]
    kind = index % 4
    if kind == 0:
        return format_html(
            '<pattern id="{}" patternUnits="userSpaceOnUse" width="8" height="8">'
            '<rect width="8" height="8" fill="{}"/></pattern>',
            pattern_id,
            colour,
        )
    if kind == 3:
        marks = format_html('<circle cx="4" cy="4" r="1.6" fill="{}"/>', TEXT)
        transform = mark_safe("")
    else:
        marks = format_html(
            '<line x1="0" y1="0" x2="0" y2="8" stroke="{}" stroke-width="2.5"/>', TEXT
        )
        transform = format_html(' patternTransform="rotate({})"', 45 if kind == 1 else -45)
    return format_html(
        '<pattern id="{}" patternUnits="userSpaceOnUse" width="8" height="8"{}>'
        '<rect width="8" height="8" fill="{}"/>{}</pattern>',
        pattern_id,
        transform,
        colour,
        marks,
    )


def _bar_swatch(chart_id: str, index: int) -> SafeString:
    pattern_id = f"{chart_id}-legend-{index}"
    return format_html(
        '<svg class="chart-swatch" viewBox="0 0 40 16" width="40" height="16" aria-hidden="true"'
        ' focusable="false"><defs>{}</defs><rect x="8" y="1" width="24" height="14" fill="url(#{})"'
        ' stroke="{}" stroke-width="1"/></svg>',
        _pattern(pattern_id, index),
        pattern_id,
        TEXT,
    )


def _legend(items: Sequence[tuple[str, SafeString]]) -> SafeString:
    entries = [
        format_html('<li class="chart-legend-item">{}<span>{}</span></li>', swatch, label)
        for label, swatch in items
    ]
    return format_html('<ul class="chart-legend">{}</ul>', _join(entries))


def _figure(
    *, chart_id: str, title: str, summary: str, height: int, body: SafeString, legend: SafeString
) -> SafeString:
    return format_html(
        '<figure class="chart">'
        '<svg role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {w} {h}"'
        ' width="100%" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg"'
        ' font-family="system-ui, sans-serif">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{summary}</desc>'
        '<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>{body}</svg>{legend}'
        '<figcaption class="chart-summary">{summary}</figcaption></figure>',
        id=chart_id,
        w=WIDTH,
        h=height,
        title=title,
        summary=summary,
        body=body,
        legend=legend,
    )


def _empty(title: str, chart_id: str) -> SafeString:
    message = _("No data in this range")
    body = format_html(
        '<rect x="1" y="1" width="{}" height="{}" fill="none" stroke="{}" stroke-width="1"'
        ' stroke-dasharray="4 4"/>{}',
        WIDTH - 2,
        EMPTY_HEIGHT - 2,
        GRID,
        _text(WIDTH / 2, EMPTY_HEIGHT / 2 + 5, message),
    )
    return _figure(
        chart_id=chart_id,
        title=title,
        summary=message + ".",
        height=EMPTY_HEIGHT,
        body=body,
        legend=mark_safe(""),
    )


# Summaries ---------------------------------------------------------------------------


def _change(latest: float, previous: float, *, seconds: bool) -> str:
    difference = latest - previous
    if seconds:
        if round(difference) == 0:
            return _("the same as the week before")
        if difference > 0:
            return _("up %(by)s on the week before") % {"by": format_duration(difference)}
        return _("down %(by)s on the week before") % {"by": format_duration(-difference)}
    if difference == 0:
        return _("the same as the week before")
    if difference > 0:
        return _("%(by)s more than the week before") % {"by": format_count(difference)}
    return _("%(by)s fewer than the week before") % {"by": format_count(-difference)}


def series_summary(weeks: Sequence[dt.date], series: Sequence[Series], *, seconds: bool) -> str:
    """One sentence for a weekly chart: each series' value in the latest week that has
    one and its change from the week before; "No data in this range." when none has."""
    filled = [
        index
        for index in range(len(weeks))
        if any(index < len(values) and values[index] is not None for _label, values in series)
    ]
    if not filled:
        return _("No data in this range") + "."
    latest_index = filled[-1]
    parts = []
    for label, values in series:
        latest = values[latest_index] if latest_index < len(values) else None
        previous = values[latest_index - 1] if 0 < latest_index <= len(values) else None
        if latest is None:
            parts.append(_("%(series)s no data") % {"series": label})
            continue
        shown = format_duration(latest) if seconds else format_count(latest)
        if previous is None:
            parts.append(_("%(series)s %(value)s") % {"series": label, "value": shown})
        else:
            parts.append(
                _("%(series)s %(value)s, %(change)s")
                % {
                    "series": label,
                    "value": shown,
                    "change": _change(latest, previous, seconds=seconds),
                }
            )
    return _("Week of %(week)s: %(figures)s.") % {
        "week": format_week(weeks[latest_index]),
        "figures": "; ".join(parts),
    }


def _category_summary(labels: Sequence[str], series: Sequence[Series]) -> str:
    parts = []
    for name, values in series:
        counts = ", ".join(
            f"{label} {format_count(value)}"
            for label, value in zip(labels, values, strict=True)
            if value is not None
        )
        parts.append(_("%(series)s: %(counts)s") % {"series": name, "counts": counts})
    return "; ".join(parts) + "."


# Charts ------------------------------------------------------------------------------


def line_chart(
    title: str,
    weeks: Sequence[dt.date],
    series: Sequence[Series],
    unit: str = "seconds",
    *,
    chart_id: str | None = None,
) -> SafeString:
    """A line per series over the weeks; None leaves a gap in the line. With unit
    "seconds" the axis is in hours, or minutes when every value is under 2 hours."""
    chart_id = chart_id or chart_id_for(title)
    seconds = unit == "seconds"
    present = [value for _label, values in series for value in values if value is not None]
    if not weeks or not present:
        return _empty(title, chart_id)
    scale = _Scale.for_values(present, seconds=seconds)
    shown = format_duration if seconds else format_count
    parts = [_y_axis(scale), _x_axis([_short_week(week) for week in weeks])]
    for index, (label, values) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        runs: list[list[tuple[float, float]]] = [[]]
        points = []
        for position, (week, value) in enumerate(zip(weeks, values, strict=True)):
            if value is None:
                runs.append([])
                continue
            x, y = _x(position, len(weeks)), scale.y(value)
            runs[-1].append((x, y))
            tooltip = f"{label}, {format_week(week)}: {shown(value)}"
            points.append(_marker(MARKERS[index % len(MARKERS)], x, y, colour, tooltip))
        lines = [
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"'
                ' stroke-linejoin="round"{}/>',
                " ".join(f"{_n(x)},{_n(y)}" for x, y in run),
                colour,
                _dash(index),
            )
            for run in runs
            if len(run) > 1
        ]
        parts.append(format_html('<g class="chart-series">{}{}</g>', _join(lines), _join(points)))
    legend = _legend([(label, _line_swatch(index)) for index, (label, _v) in enumerate(series)])
    return _figure(
        chart_id=chart_id,
        title=title,
        summary=series_summary(weeks, series, seconds=seconds),
        height=HEIGHT,
        body=_join(parts),
        legend=legend,
    )


def _bars(
    *,
    chart_id: str,
    title: str,
    labels: Sequence[str],
    tooltips: Sequence[str],
    series: Sequence[Series],
    summary: str,
) -> SafeString:
    values = [value for _label, row in series for value in row if value is not None]
    scale = _Scale.for_values(values, seconds=False)
    defs = _join(_pattern(f"{chart_id}-fill-{index}", index) for index in range(len(series)))
    parts = [format_html("<defs>{}</defs>", defs), _y_axis(scale)]
    band = _band(len(labels))
    width = band * 0.8 / max(len(series), 1)
    for index, (name, row) in enumerate(series):
        bars = []
        for position, value in enumerate(row):
            if value is None:
                continue
            left = LEFT + position * band + band * 0.1 + index * width
            top = scale.y(value)
            bars.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="url(#{}-fill-{})"'
                    ' stroke="{}" stroke-width="1"><title>{}</title></rect>',
                    _n(left),
                    _n(top),
                    _n(max(width - 1, 1)),
                    _n(HEIGHT - BOTTOM - top),
                    chart_id,
                    index,
                    TEXT,
                    f"{name}, {tooltips[position]}: {format_count(value)}",
                )
            )
        parts.append(format_html('<g class="chart-series">{}</g>', _join(bars)))
    parts.append(_x_axis(labels))
    legend = _legend(
        [(name, _bar_swatch(chart_id, index)) for index, (name, _row) in enumerate(series)]
    )
    return _figure(
        chart_id=chart_id,
        title=title,
        summary=summary,
        height=HEIGHT,
        body=_join(parts),
        legend=legend,
    )


def bar_chart(
    title: str,
    weeks: Sequence[dt.date],
    series: Sequence[Series],
    *,
    chart_id: str | None = None,
) -> SafeString:
    """Grouped bars of counts, one group per week."""
    chart_id = chart_id or chart_id_for(title)
    if not weeks or not any(value is not None for _label, row in series for value in row):
        return _empty(title, chart_id)
    return _bars(
        chart_id=chart_id,
        title=title,
        labels=[_short_week(week) for week in weeks],
        tooltips=[format_week(week) for week in weeks],
        series=series,
        summary=series_summary(weeks, series, seconds=False),
    )


def category_bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    chart_id: str | None = None,
) -> SafeString:
    """Grouped bars of counts over named categories (age buckets, say)."""
    chart_id = chart_id or chart_id_for(title)
    if not labels or not any(value is not None for _label, row in series for value in row):
        return _empty(title, chart_id)
    return _bars(
        chart_id=chart_id,
        title=title,
        labels=labels,
        tooltips=labels,
        series=series,
        summary=_category_summary(labels, series),
    )
