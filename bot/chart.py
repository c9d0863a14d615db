"""Charts as PNG pictures (matplotlib, Agg backend): a member's omzet by month.

Telegram-free and state-free: the object-oriented API (Figure + FigureCanvasAgg) never touches
pyplot's global figure registry or the process-wide backend, so importing this module changes
nothing and charts can be drawn in a worker thread.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

from bot.dates import Month, format_month
from bot.money import format_decimal_score, format_rupiah_compact

# 800 x 450 pixels: sharp on a phone, a few dozen kilobytes.
WIDTH_INCHES, HEIGHT_INCHES, DPI = 8.0, 4.5, 100

_BAR = "#2e7d5b"
_MEDIAN = "#d9822b"
_MISSING = "#9e9e9e"


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


def omzet_chart(months: Sequence[ChartMonth], *, labels: ChartLabels, locale: str) -> bytes:
    """Bars of the member's omzet per month, the cluster median as a line where known; PNG."""
    # Imported here, not at the top: matplotlib costs about 40 MB, and most processes
    # (and most updates) never draw a chart (B4).
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(months)))

    heights = [m.rupiah if m.rupiah is not None else 0 for m in months]
    axes.bar(positions, heights, color=_BAR, width=0.65, zorder=2)
    missing = [p for p, m in zip(positions, months, strict=True) if m.rupiah is None]
    if missing:
        # Not reported is not zero: a grey cross on the axis and its own legend entry.
        axes.scatter(missing, [0] * len(missing), marker="x", color=_MISSING, s=60, zorder=3, clip_on=False)

    for position, month in zip(positions, months, strict=True):
        if month.rupiah == 0:
            # Reported, no sales: a bar of height 0 is invisible, so write the zero.
            axes.annotate(
                format_rupiah_compact(0, locale),
                (position, 0),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
                color=_BAR,
            )

    medians = [m.cluster_median if m.cluster_median is not None else math.nan for m in months]
    has_median = any(m.cluster_median is not None for m in months)
    if has_median:
        axes.plot(positions, medians, color=_MEDIAN, marker="o", linewidth=2, zorder=4)

    axes.set_xticks(positions)
    axes.set_xticklabels(
        [format_month(m.month, locale, short=True) for m in months], rotation=45, ha="right"
    )
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axes.yaxis.set_major_formatter(
        FuncFormatter(lambda value, _position: format_rupiah_compact(int(round(value)), locale))
    )
    top = max(heights + [m for m in medians if not math.isnan(m)] + [0])
    # Headroom for the legend above the tallest bar.
    axes.set_ylim(0, top * 1.3 if top > 0 else 1_000_000)
    axes.grid(axis="y", color="#e0e0e0", zorder=0)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(labels.title, loc="left", fontsize=12)

    handles = [Patch(color=_BAR, label=labels.own)]
    if has_median:
        handles.append(Line2D([], [], color=_MEDIAN, marker="o", linewidth=2, label=labels.cluster_median))
    if missing:
        handles.append(Line2D([], [], color=_MISSING, marker="x", linestyle="", label=labels.not_reported))
    axes.legend(handles=handles, loc="upper left", ncols=len(handles), frameon=False, fontsize=9)

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

    height = max(HEIGHT_INCHES, 1.2 + 0.42 * len(bars))
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
