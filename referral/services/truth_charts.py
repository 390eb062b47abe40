"""Charts of the directory's truth, drawn on the server as SVG: nothing loaded from anywhere else.

Each series has its own colour and its own line or bar pattern, so that the charts read without colour too;
the page shows the same figures in tables beside them.
"""
from datetime import datetime

from babel.dates import format_skeleton
from flask_babel import get_locale
from markupsafe import Markup, escape

from ..i18n import gettext as _, lazy_gettext as _l
from .truth import Tally

# (attribute of Tally, label, colour, dash pattern): the three shares, in the order they are drawn.
SERIES = (
    ("confirmed_share", _l("Confirmed within the window"), "#1f6f64", ""),
    ("answered_share", _l("Messages answered within 3 days"), "#7a4b0d", "6 4"),
    ("reported_share", _l("Listings reported, unresolved"), "#9b1c31", "2 3"),
)
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _svg(width: int, height: int, title: str, description: str, body: list[str], chart_id: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
        + "".join(body) + "</svg>"
    )


def _legend(x: int, y: int) -> list[str]:
    parts = []
    for index, (_key, label, colour, dash) in enumerate(SERIES):
        top = y + index * 18
        parts.append(f'<line x1="{x}" y1="{top}" x2="{x + 24}" y2="{top}" stroke="{colour}" stroke-width="3" '
                     f'stroke-dasharray="{dash}"/><text x="{x + 30}" y="{top + 4}" {FONT} fill="#222">{escape(str(label))}</text>')
    return parts


def weekly_chart(weeks: list[tuple[datetime, Tally]], chart_id: str = "weekly") -> Markup:
    """The three shares week by week, as lines on a 0–100 % scale."""
    width, height, left, right, top, bottom = 680, 320, 48, 16, 16, 96
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max(1, len(weeks) - 1)
    body = []
    for percent in range(0, 101, 25):
        y = top + plot_h * (1 - percent / 100)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ccc" stroke-width="1"/>'
                    f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT} fill="#444">{percent}%</text>')
    for index, (end, _tally) in enumerate(weeks):
        if (len(weeks) - 1 - index) % 2 == 0:  # every other week, counting back from the last
            x = left + plot_w * index / count
            body.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" {FONT} fill="#444">'
                        f'{escape(_month_day(end, "MMMd"))}</text>')
    for key, _label, colour, dash in SERIES:
        segment: list[tuple[float, float]] = []  # a week without a figure breaks the line
        for index, (_end, tally) in enumerate(weeks):
            value = getattr(tally, key)
            if value is None:
                if segment:
                    body.append(_polyline(segment, colour, dash))
                segment = []
                continue
            segment.append((left + plot_w * index / count, top + plot_h * (1 - value / 100)))
        if segment:
            body.append(_polyline(segment, colour, dash))
    body += _legend(left, top + plot_h + 36)
    return _svg(width, height, _("The three shares, week by week"),
                _("Each week's share, from %(first)s to %(last)s; the table below holds the same figures.",
                  first=_month_day(weeks[0][0]), last=_month_day(weeks[-1][0])) if weeks else _("No weeks."),
                body, chart_id)


def _month_day(when: datetime, skeleton: str = "MMMMd") -> str:
    """A day of the year as the reader writes it: "November 26" (or "Nov 26" with the short skeleton)."""
    return format_skeleton(skeleton, when, locale=get_locale())


def _polyline(points: list[tuple[float, float]], colour: str, dash: str) -> str:
    coordinates = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    markers = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in points)
    return (f'<polyline points="{coordinates}" fill="none" stroke="{colour}" stroke-width="2.5" '
            f'stroke-dasharray="{dash}"/>{markers}')


def group_chart(groups: dict[str, Tally], title: str, chart_id: str) -> Markup:
    """The three shares of each group (type, state) as horizontal bars on a 0–100 % scale."""
    width, left, right, top, row = 680, 190, 56, 8, 44
    plot_w = width - left - right
    height = top + row * max(1, len(groups)) + 80
    body = []
    for percent in range(0, 101, 25):
        x = left + plot_w * percent / 100
        body.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + row * len(groups)}" stroke="#ddd"/>'
                    f'<text x="{x:.1f}" y="{top + row * len(groups) + 14}" text-anchor="middle" {FONT} fill="#444">'
                    f'{percent}%</text>')
    for index, (name, tally) in enumerate(groups.items()):
        y = top + index * row
        body.append(f'<text x="{left - 8}" y="{y + row / 2 + 4:.1f}" text-anchor="end" {FONT} fill="#222">'
                    f'{escape(name[:28])} ({tally.listings})</text>')
        for bar, (key, _label, colour, dash) in enumerate(SERIES):
            value = getattr(tally, key)
            bar_y = y + 6 + bar * 11
            if value is None:
                body.append(f'<text x="{left + 4}" y="{bar_y + 8}" {FONT} font-size="10" fill="#555">'
                            f'{escape(_("no messages"))}</text>')
                continue
            pattern = f' stroke="#222" stroke-width="0.8" stroke-dasharray="{dash}"' if dash else ""
            body.append(f'<rect x="{left}" y="{bar_y}" width="{max(plot_w * value / 100, 1):.1f}" height="9" '
                        f'fill="{colour}"{pattern}/><text x="{left + plot_w * value / 100 + 4:.1f}" y="{bar_y + 8}" '
                        f'{FONT} font-size="10" fill="#222">{value:.0f}%</text>')
    body += _legend(left, top + row * len(groups) + 34)
    return _svg(width, height, title, _("Three bars per group: confirmed, answered within 3 days, reported and "
                                        "unresolved; the table below holds the same figures."), body, chart_id)
