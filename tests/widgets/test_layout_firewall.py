"""A pane's re-layouts stay in the pane (widgets/layout_firewall.py)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from widgets.layout_firewall import LayoutFirewall


class LayoutRequests(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def _window(qtbot: QtBot, firewall: bool) -> tuple[QMainWindow, QWidget, QLabel, LayoutRequests]:
    window = QMainWindow()
    pane = QWidget()
    layout = QVBoxLayout(pane)
    label = QLabel("Last 100.00")
    layout.addWidget(label)
    layout.addWidget(QLabel("a wider line that sets the pane's width, as the panes' forms do"))
    dock = QDockWidget("pane", window)
    dock.setWidget(LayoutFirewall(pane) if firewall else pane)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    window.setCentralWidget(QWidget())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    _settle()
    requests = LayoutRequests()
    window.installEventFilter(requests)
    return window, pane, label, requests


def _settle() -> None:
    for _ in range(5):  # each layout pass posts the next one up the tree
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()


def _tick(label: QLabel) -> None:
    for i in range(10):
        label.setText(f"Last {100 + i * 1.37:.2f}  ·  Spread 0.0{i}")
        _settle()


def test_a_label_changing_text_does_not_lay_out_the_window(qtbot: QtBot) -> None:
    _w, _p, label, requests = _window(qtbot, firewall=True)
    _tick(label)
    assert requests.count == 0


def test_without_the_firewall_the_window_is_laid_out_per_change(qtbot: QtBot) -> None:
    """The cost the firewall removes: each new text re-lays out the main window."""
    _w, _p, label, requests = _window(qtbot, firewall=False)
    _tick(label)
    assert requests.count >= 10


def test_a_pane_that_needs_more_room_still_gets_it(qtbot: QtBot) -> None:
    _w, pane, _l, requests = _window(qtbot, firewall=True)
    firewall = pane.parentWidget()
    assert isinstance(firewall, LayoutFirewall)
    before = pane.width()
    pane.setMinimumWidth(before + 150)
    qtbot.waitUntil(lambda: firewall.width() >= before + 150)  # the dock made room
    assert firewall.passed_up >= 1
    assert requests.count >= 1
