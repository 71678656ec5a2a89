"""The chart's parts: bar series and indicator math (Qt-free), graphics items, axes, the view.

``series`` and ``indicators`` import only numpy and the core, so their unit tests run without Qt;
the other modules are pyqtgraph items and import PySide6 before pyqtgraph.
"""
