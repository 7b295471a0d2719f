"""Where the label of a vertical marker (a target budget, a break) goes on a drawn matplotlib panel: along its line
or level, at the first place inside the panel that covers no data point, error bar or earlier label."""

from __future__ import annotations

from typing import Any

import numpy as np

from scalecalc.plotting.spec import Panel

# Where a marker's label may go, in order of preference: along its line (rotated) at the top or the foot of the
# panel, right or left of the line; then level, at the top, the foot or between (a fraction of the height).
LABEL_PLACES = tuple((90, height, side) for height in (1.0, 0.0) for side in ("right", "left")) + tuple(
    (0, height, side) for height in (1.0, 0.0, 0.5, 0.75, 0.25) for side in ("right", "left")
)
LABEL_GAP = 3.0  # points between a label and its line or the frame, and kept clear around every mark


def place_marker_labels(ax, panel: Panel) -> None:
    """Label each vertical marker at the first place of :data:`LABEL_PLACES` that lies inside the panel and covers
    no data point, error bar or earlier label; where every place covers something, at the one covering the fewest
    of those, then the fewest curve samples (a label may cross a line, never hide a run)."""
    if not panel.markers:
        return
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    gap = LABEL_GAP * ax.figure.dpi / 72.0
    marks = _mark_boxes(ax, gap)
    samples = _curve_samples(ax)
    for marker in panel.markers:
        best: tuple[tuple[bool, int, int], Any] | None = None
        # the label, and (when it ends in a parenthesis, such as an interval) the same in two lines
        wordings = dict.fromkeys((marker.label, marker.label.replace(" (", "\n(", 1)))
        places = [(place, wording) for place in LABEL_PLACES for wording in wordings]
        for (rotation, height, side), wording in places:
            rise = {1.0: -LABEL_GAP, 0.0: LABEL_GAP}.get(height, 0.0)
            text = ax.annotate(
                wording,
                (marker.x, height),
                xycoords=("data", "axes fraction"),
                xytext=(LABEL_GAP if side == "right" else -LABEL_GAP, rise),
                textcoords="offset points",
                ha="left" if side == "right" else "right",
                va={1.0: "top", 0.0: "bottom"}.get(height, "center"),
                rotation=rotation,
                fontsize="small",
                color="#555555",
                zorder=4,
            )
            box = text.get_window_extent(renderer)
            outside = not (frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1)
            cost = (outside, _count_overlaps(box, marks), _count_inside(box, samples))
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, text)
            else:
                text.remove()
            if cost == (False, 0, 0):
                break
        assert best is not None
        placed = best[1].get_window_extent(renderer)
        marks = np.vstack([marks, [[placed.x0 - gap, placed.y0 - gap, placed.x1 + gap, placed.y1 + gap]]])


def _mark_boxes(ax, gap: float) -> np.ndarray:
    """Boxes (x0, y0, x1, y1) in display pixels around every drawn point (scatter markers, their size plus
    ``gap``) and every error bar (its segment, widened by ``gap`` and its caps)."""
    from matplotlib.collections import LineCollection, PathCollection

    boxes = [np.empty((0, 4))]
    for collection in ax.collections:
        if isinstance(collection, LineCollection):  # error bars
            for segment in collection.get_segments():
                ends = ax.transData.transform(np.asarray(segment, dtype=float))
                low, high = ends.min(axis=0), ends.max(axis=0)
                boxes.append(np.array([[*(low - 2 * gap), *(high + 2 * gap)]]))
        elif isinstance(collection, PathCollection):  # scatter points
            centres = collection.get_offset_transform().transform(np.asarray(collection.get_offsets(), dtype=float))
            sizes = np.broadcast_to(collection.get_sizes(), (len(centres),))
            radius = np.sqrt(sizes)[:, None] / 2 * ax.figure.dpi / 72.0 + gap
            boxes.append(np.hstack([centres - radius, centres + radius]))
    stacked = np.vstack(boxes)
    return stacked[np.isfinite(stacked).all(axis=1)]


def _curve_samples(ax) -> np.ndarray:
    """The display positions of the drawn curves' samples (lines in data coordinates, not the markers' own)."""
    points = [np.empty((0, 2))]
    for line in ax.get_lines():
        if line.get_transform() == ax.transData:
            points.append(ax.transData.transform(np.column_stack(line.get_data()).astype(float)))
    stacked = np.vstack(points)
    return stacked[np.isfinite(stacked).all(axis=1)]


def _count_overlaps(box: Any, boxes: np.ndarray) -> int:
    x0, y0, x1, y1 = boxes.T
    return int(np.sum((x0 < box.x1) & (x1 > box.x0) & (y0 < box.y1) & (y1 > box.y0)))


def _count_inside(box: Any, points: np.ndarray) -> int:
    x, y = points[:, 0], points[:, 1]
    return int(np.sum((x > box.x0) & (x < box.x1) & (y > box.y0) & (y < box.y1)))
