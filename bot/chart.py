"""Charts as PNG pictures (matplotlib, Agg backend): a member's omzet by month.

Telegram-free and state-free: the object-oriented API (Figure + FigureCanvasAgg) never touches
pyplot's global figure registry or the process-wide backend, so importing this module changes
nothing and charts can be drawn in a worker thread.

Drawn for a 6-inch phone held upright: Telegram shows a photo about 360 dp wide, so the picture
is 800 pixels wide (0.45 dp a pixel) and every text is at least 18 pt (25 px, about 11 dp).
Months run down the picture as horizontal bars, so twelve of them never crowd, and each bar
carries its value ("Rp8,1 jt") where it ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from bot.dates import Month, format_month
from bot.money import format_decimal_score, format_rupiah_compact

WIDTH_INCHES, DPI = 8.0, 100
ROW_INCHES = 0.75  # one month's bar and its label
FRAME_INCHES = 2.4  # title, legend and axis
MIN_HEIGHT_INCHES = 4.5

TITLE_PT, LABEL_PT, VALUE_PT, LEGEND_PT = 24, 20, 20, 18

_BAR = "#2e7d5b"
_MEDIAN = "#d9822b"
_MISSING = "#757575"


@dataclass(frozen=True)
class ChartMonth:
    """One month on the chart; `rupiah` None means not reported (drawn apart, never as 0)."""

    month: Month
    rupiah: int | None
    cluster_median: int | None = None


@dataclass(frozen=True)
class ChartLabels:
    """Texts on the picture, already translated for the reader."""

    title: str
    own: str
    cluster_median: str
    not_reported: str
    no_sales: str = "tutup"


def _shown(months: Sequence[ChartMonth]) -> list[ChartMonth]:
    """From the first reported month on: a new member sees their months, not a wall of gaps."""
    first = next((i for i, m in enumerate(months) if m.rupiah is not None), len(months))
    return list(months[first:]) or list(months[-1:])


def draw(months: Sequence[ChartMonth], *, labels: ChartLabels, locale: str) -> Any:
    """The chart as a matplotlib Figure (tests read its texts; `omzet_chart` renders it)."""
    # Imported here, not at the top: matplotlib costs about 40 MB, and most processes
    # (and most updates) never draw a chart (B4).
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    shown = _shown(months)
    height = max(MIN_HEIGHT_INCHES, FRAME_INCHES + ROW_INCHES * len(shown))
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    # Oldest month on top, down to the newest, as a calendar is read.
    rows = list(range(len(shown)))[::-1]
    values = [m.rupiah or 0 for m in shown]
    medians = [m.cluster_median for m in shown]
    top = max([*values, *(m for m in medians if m is not None), 1])

    axes.barh(rows, values, color=_BAR, height=0.62, zorder=2)
    for row, month, value in zip(rows, shown, values, strict=True):
        if month.rupiah is None:
            text, colour = labels.not_reported, _MISSING
        elif month.rupiah == 0:
            text, colour = f"{format_rupiah_compact(0, locale)} ({labels.no_sales})", _BAR
        else:
            text, colour = format_rupiah_compact(value, locale), _BAR
        # The value where the bar ends; inside a long bar, in white, so it never leaves the picture.
        inside = value > top * 0.62
        axes.text(
            value - top * 0.02 if inside else value + top * 0.02,
            row,
            text,
            va="center",
            ha="right" if inside else "left",
            fontsize=VALUE_PT,
            fontweight="bold",
            color="white" if inside else colour,
            zorder=4,
            # Outside the bar the value stays readable where the cluster's mark crosses it.
            bbox=None if inside else {"facecolor": "white", "edgecolor": "none", "pad": 1.5},
        )

    has_median = any(m is not None for m in medians)
    if has_median:
        for row, median in zip(rows, medians, strict=True):
            if median is not None:
                # The cluster's middle value that month: a bold upright mark across the row.
                axes.plot([median, median], [row - 0.42, row + 0.42], color=_MEDIAN, linewidth=5, zorder=3,
                          solid_capstyle="butt")

    axes.set_yticks(rows)
    axes.set_yticklabels([format_month(m.month, locale, short=True) for m in shown], fontsize=LABEL_PT)
    axes.set_xlim(0, top * 1.45)
    # At least three rows of room, so one or two months are bars, not slabs.
    axes.set_ylim(len(shown) - 0.5 - max(len(shown), 3), len(shown) - 0.5)
    axes.set_xticks([])
    axes.tick_params(axis="y", length=0)
    axes.spines[["top", "right", "bottom"]].set_visible(False)
    axes.set_title(labels.title, loc="left", fontsize=TITLE_PT, fontweight="bold", pad=14)

    handles = [Patch(color=_BAR, label=labels.own)]
    if has_median:
        handles.append(Line2D([], [], color=_MEDIAN, linewidth=5, label=labels.cluster_median))
    figure.legend(handles=handles, loc="outside lower left", ncols=len(handles), frameon=False, fontsize=LEGEND_PT)
    return figure


def omzet_chart(months: Sequence[ChartMonth], *, labels: ChartLabels, locale: str) -> bytes:
    """Bars of the member's omzet per month with their values, the cluster's middle value
    where it may be shown; PNG."""
    figure = draw(months, labels=labels, locale=locale)
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


# One colour per criterion, in the order criteria are listed (colour-blind safe palette).
_PARTS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999")


@dataclass(frozen=True)
class ScoreChartLabels:
    title: str
    parts: Sequence[str]  # one per criterion, in the order of each bar's parts
    axis: str


def score_chart(bars: Sequence[tuple[str, Sequence[float]]], *, labels: ScoreChartLabels, locale: str) -> bytes:
    """Horizontal bars, best on top: each cluster's total score (0-100) split into what each
    weighted criterion adds to it; PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    height = max(MIN_HEIGHT_INCHES, 1.2 + 0.42 * len(bars))
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(bars)))[::-1]  # the first (best) at the top
    lefts = [0.0] * len(bars)
    for index, _label in enumerate(labels.parts):
        widths = [parts[index] for _, parts in bars]
        axes.barh(positions, widths, left=lefts, color=_PARTS[index % len(_PARTS)], height=0.65, zorder=2)
        lefts = [left + width for left, width in zip(lefts, widths, strict=True)]
    for position, total in zip(positions, lefts, strict=True):
        axes.annotate(
            format_decimal_score(round(total, 1), locale), (total, position),
            xytext=(4, 0), textcoords="offset points", va="center", fontsize=9,
        )
    axes.set_yticks(positions)
    axes.set_yticklabels([name for name, _ in bars])
    axes.set_xlim(0, 112)
    axes.set_xlabel(labels.axis)
    axes.grid(axis="x", color="#e0e0e0", zorder=0)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(labels.title, loc="left", fontsize=12)
    axes.legend(
        handles=[Patch(color=_PARTS[i % len(_PARTS)], label=text) for i, text in enumerate(labels.parts)],
        loc="upper center", bbox_to_anchor=(0.5, -0.12 if len(bars) > 3 else -0.2), ncols=min(3, len(labels.parts)),
        frameon=False, fontsize=8,
    )
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
