"""Today's calls per hour against the usual for the weekday, drawn in text."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

CHART_ROWS = 5
BLOCKS = " ▁▂▃▄▅▆▇█"


def hourly_chart(today: Sequence[int], average: Sequence[float], now_hour: int) -> Text:
    """Today's calls per hour as bars, the same weekday's average as a dot above or on each bar.

    Both share one scale, so the shape of today reads against the usual shape at a glance.
    """
    top = max([*today, *average, 1])
    levels = CHART_ROWS * (len(BLOCKS) - 1)
    text = Text()
    for row in range(CHART_ROWS, 0, -1):
        floor = (row - 1) * (len(BLOCKS) - 1)
        for hour in range(24):
            filled = round(today[hour] / top * levels) if hour <= now_hour else 0
            usual_row = min(CHART_ROWS, int(average[hour] / top * CHART_ROWS) + 1) if average[hour] else 0
            part = min(max(filled - floor, 0), len(BLOCKS) - 1)
            cell = BLOCKS[part]
            if usual_row == row and part < len(BLOCKS) - 1:
                text.append("·", style="bold yellow")
            else:
                text.append(cell, style="cyan")
            text.append(" ")
        text.append("\n")
    text.append("".join(f"{hour % 12 or 12:<2}" if hour % 3 == 0 else "  " for hour in range(24)), style="dim")
    return text
