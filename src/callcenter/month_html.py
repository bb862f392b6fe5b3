"""The month report as one self-contained HTML file (its charts drawn by matplotlib as inline SVG)
and as CSV. Imported only by `callcenter report --month`: matplotlib costs a console nothing."""

from __future__ import annotations

import html
import io

from callcenter.domain.month_report import MonthReport
from callcenter.domain.spreadsheet import csv_document

KIND_WORDS = {"callback_request": "Callbacks to families", "consult_callback": "Consult callbacks to PCPs"}
STANDARD_WORDS = {"emergency": "Emergency (2 hours)", "urgent": "Urgent (2 days)", "routine": "Routine (2 weeks)"}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # inline: without the XML prolog and doctype
    # Without matplotlib's metadata block (its creation time and Dublin Core identifiers): the page
    # is the same for the same month, and names no address it never loads.
    start, end = text.find("<metadata>"), text.find("</metadata>")
    return text[:start] + text[end + len("</metadata>") :] if 0 <= start < end else text


def charts(report: MonthReport) -> tuple[str, str]:
    """Calls offered per day stacked by line; service level per day per line, with the target."""
    import matplotlib

    matplotlib.use("svg")
    from matplotlib import pyplot

    pyplot.rcParams["svg.fonttype"] = "none"  # text stays text: smaller, and readable by a screen reader
    labels = [day.day for day in report.days]  # numbers, so a day with no figure keeps its place
    calls, axes = pyplot.subplots(figsize=(9, 3.2))
    bottom = [0] * len(report.days)
    for code in report.lines:
        offered = [row.offered for row in report.of(code)]
        axes.bar(labels, offered, bottom=bottom, label=code)
        bottom = [a + b for a, b in zip(bottom, offered, strict=True)]
    axes.set_xticks(labels)
    axes.set_title("Calls offered per day, by line")
    axes.set_xlabel("day of the month")
    axes.legend(loc="upper left", fontsize="small", ncols=len(report.lines))
    service, axes = pyplot.subplots(figsize=(9, 3.2))
    for code in report.lines:
        levels = [row.service_level for row in report.of(code)]
        if any(level is not None for level in levels):
            # A day with no settled call is a gap in the line (NaN), not a fall to zero.
            axes.plot(labels, [float("nan") if v is None else v * 100 for v in levels], marker="o", label=code)
    axes.axhline(80, color="grey", linestyle="--", linewidth=1, label="target 80%")
    axes.set_ylim(0, 105)
    axes.set_xticks(labels)
    axes.set_xlim(min(labels, default=1) - 0.5, max(labels, default=1) + 0.5)
    axes.set_title("Service level per day, by line (%)")
    axes.set_xlabel("day of the month")
    axes.legend(loc="lower left", fontsize="small", ncols=len(report.lines) + 1)
    drawn = _svg(calls), _svg(service)
    pyplot.close("all")
    return drawn


def html_page(report: MonthReport) -> str:
    title = f"Access line: {report.month:%B %Y}"
    calls_chart, service_chart = charts(report)
    head = "".join(f"<th>{html.escape(code)}</th>" for code in report.lines)
    day_rows = []
    for day in report.days:
        cells = []
        for code in report.lines:
            row = next(r for r in report.of(code) if r.day == day)
            cells.append(f"<td>{row.offered} · {row.answered} · {_pct(row.service_level)}</td>")
        day_rows.append(f"<tr><th scope='row'>{day:%a %d}</th>{''.join(cells)}</tr>")
    kept = (
        "".join(
            f"<tr><th scope='row'>{html.escape(KIND_WORDS.get(k.kind, k.kind))}</th>"
            f"<td>{k.due}</td><td>{k.on_time}</td>"
            f"<td>{k.late}</td><td>{k.still_open}</td><td>{_pct(k.share_on_time)}</td></tr>"
            for k in report.callbacks
        )
        or "<tr><td colspan='6'>No callbacks were due this month.</td></tr>"
    )
    linked = "".join(
        f"<tr><th scope='row'>{STANDARD_WORDS[row.urgency]}</th><td>{row.intakes}</td><td>{row.within_standard}</td>"
        f"<td>{row.later}</td><td>{row.not_yet}</td><td>{_pct(row.share_within)}</td></tr>"
        for row in report.linkage
    )
    towns = (
        "".join(
            f"<tr><th scope='row'>{html.escape(town)}</th><td>{count}</td></tr>"
            for town, count in report.referrals_by_town
        )
        or "<tr><td colspan='2'>No intakes were submitted this month.</td></tr>"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1.5rem; }}
th, td {{ border: 1px solid #bbb; padding: 0.25rem 0.6rem; text-align: right; }}
th[scope=row] {{ text-align: left; }}
figure {{ margin: 1rem 0; }} svg {{ max-width: 100%; height: auto; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Each call counts on the day it arrived, with its outcome as known when this report was made.</p>
<h2>Calls</h2>
<figure id="calls-chart">{calls_chart}<figcaption>Calls offered per day, by line.</figcaption></figure>
<figure id="service-chart">{service_chart}<figcaption>Service level per day (answered within
the threshold, out of the calls answered or abandoned), by line.</figcaption></figure>
<table id="calls-by-day"><caption>Offered · answered · service level, by day and line</caption>
<tr><th>Day</th>{head}</tr>{"".join(day_rows)}</table>
<h2>Calls returned within their promise</h2>
<table id="callbacks"><tr><th></th><th>Due</th><th>On time</th><th>Late</th><th>Still open</th><th>On time</th></tr>
{kept}</table>
<h2>Children linked to care within the access standard</h2>
<p>Intakes submitted this month, by urgency: an appointment on or before the access deadline.</p>
<table id="linkage"><tr><th></th><th>Intakes</th><th>Within</th><th>Later</th><th>No appointment yet</th>
<th>Within</th></tr>{linked}</table>
<h2>Referrals by town</h2>
<table id="towns"><tr><th>Town</th><th>Intakes</th></tr>{towns}</table>
</body></html>
"""


CSV_COLUMNS = (
    "section",  # calls, returned_calls, linkage, town
    "day_or_kind",  # the day (calls), the promise kind, the urgency, the town
    "line",
    "offered_or_due",  # calls offered; promises due; intakes submitted
    "answered_or_kept",  # calls answered; kept on time; linked within the standard
    "abandoned_or_late",  # calls abandoned; kept late; linked later
    "still_open",  # promises still open past due; intakes with no appointment yet
    "share",  # service level; share on time; share within the standard
)


def csv_text(report: MonthReport) -> str:
    rows: list[list[object]] = []

    def share(value: float | None) -> object:
        return "" if value is None else round(value, 4)

    for row in report.by_day:
        rows.append(
            [
                "calls",
                row.day.isoformat(),
                row.line_code,
                row.offered,
                row.answered,
                row.abandoned,
                "",
                share(row.service_level),
            ]
        )
    for kept in report.callbacks:
        rows.append(
            [
                "returned_calls",
                kept.kind,
                "",
                kept.due,
                kept.on_time,
                kept.late,
                kept.still_open,
                share(kept.share_on_time),
            ]
        )
    for linked in report.linkage:
        rows.append(
            [
                "linkage",
                linked.urgency,
                "",
                linked.intakes,
                linked.within_standard,
                linked.later,
                linked.not_yet,
                share(linked.share_within),
            ]
        )
    for town, count in report.referrals_by_town:
        rows.append(["town", town, "", count, "", "", "", ""])
    return csv_document(CSV_COLUMNS, rows)
