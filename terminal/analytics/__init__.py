"""Execution and performance analytics: what each order and trade cost, the approval included.

Qt-free and blocking-free in its computing part, so a pane can run it on a worker thread:

- :func:`terminal.analytics.source.load_history` reads a period's orders, fills and audit steps
  from the database (blocking) into :class:`~terminal.analytics.records.OrderRecord` and
  :class:`~terminal.analytics.records.FillRecord`;
- :func:`terminal.analytics.report.build_report` turns records into a
  :class:`~terminal.analytics.report.Report` (pure): per-order execution metrics
  (:mod:`.execution`), FIFO round trips (:mod:`.trades`) and their statistics (:mod:`.stats`),
  in total and grouped by day, instrument, side, order type and source;
- :func:`terminal.analytics.render.write_report` writes it as HTML, CSV or JSON.

``trading-terminal report`` (:mod:`.cli`) chains the three. docs/analytics.md defines every
metric.
"""
