"""File → Settings (Ctrl+,): every setting on tabs, validated at the field, saved and applied.

OK / Apply build new :class:`~terminal.settings.Settings` from the editors and run the core's
:func:`~terminal.settings.validate`; a problem is shown at the field it concerns (red editor,
its tab marked, one line per problem at the top) and nothing is applied or saved. Valid settings
are applied to the running session at once (risk limits, alert limits, default sizes, theme,
the keymap, the order presets),
the trader is told what needs a restart, and the file is written in an executor with only the
fields changed here (see :mod:`widgets.dialogs.settings_store`). Cancel changes nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path
from typing import Any

import platformdirs
import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from terminal.persistence.database import APP_NAME
from terminal.settings import Settings, SettingsError, validate
from widgets.dialogs.settings_editors import FieldEditor, FieldError
from widgets.dialogs.settings_fields import Group, Tab
from widgets.dialogs.settings_keymap import KeymapPage
from widgets.dialogs.settings_presets import PresetsPage
from widgets.dialogs.settings_store import changed_fields, read_file_settings, save_changes
from widgets.dialogs.settings_tabs import FIELDS, TAB_OF, TABS, describe_error, field_of_error
from widgets.keymap import Keymap
from widgets.session import Session
from widgets.style_props import set_tone
from widgets.theme import apply_theme

log = logging.getLogger(__name__)

#: The key of the presets page's problem in the dialog's errors (it is no single editor).
PRESETS = "presets"

LIVE_WARNING = (
    "LIVE ACCOUNT: orders will use real money. Check the account and the port "
    "(TWS live 7496, IB Gateway live 4001)."
)


def default_database_path() -> Path:
    """The per-user SQLite file used when the database URL is empty (not created here)."""
    return Path(platformdirs.user_data_dir(APP_NAME)) / "terminal.db"


def _muted(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    set_tone(label, "muted")
    return label


class SettingsDialog(QDialog):
    """The settings dialog.

    Signals:
        applied(list[str]): settings were applied to the session; what needs a restart.
        saved(Path): the settings file was written.
        save_failed(str): the settings file could not be written (the session has them).
    """

    applied = Signal(object)
    saved = Signal(object)
    save_failed = Signal(str)

    def __init__(self, session: Session, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.path = path
        self.setObjectName("settings_dialog")
        self.setWindowTitle("Settings")
        self._editors: dict[str, FieldEditor] = {}
        self._tab_index: dict[str, int] = {}
        self._errors: dict[str, str] = {}
        self._save_task: asyncio.Task[Any] | None = None
        self._close_when_saved = False

        self.error_label = QLabel(self)
        self.error_label.setObjectName("settings_errors")
        self.error_label.setWordWrap(True)
        set_tone(self.error_label, "critical")
        self.error_label.hide()
        self.override_label = _muted("", self)
        self.override_label.setObjectName("settings_overrides")
        self.override_label.hide()

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settings_tabs")
        for tab in TABS:
            self._tab_index[tab.key] = self.tabs.addTab(self._build_tab(tab), tab.title)
        self.keymap_page = KeymapPage(self)
        self._tab_index["keys"] = self.tabs.addTab(self.keymap_page, "Keys")
        self.presets_page = PresetsPage(self)
        self._tab_index["presets"] = self.tabs.addTab(self.presets_page, "Presets")

        self.result_label = QLabel(self)
        self.result_label.setObjectName("settings_result")
        self.result_label.setWordWrap(True)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults,
            self,
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.apply_button = buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.defaults_button = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        self.defaults_button.setText("Defaults for this tab")
        self.defaults_button.setToolTip("Put this tab's default values in the fields")
        self.ok_button.setProperty("role", "primary")
        self.ok_button.clicked.connect(self.accept_settings)
        self.apply_button.clicked.connect(self.apply)
        self.cancel_button.clicked.connect(self.reject)
        self.defaults_button.clicked.connect(self.restore_tab_defaults)
        self._buttons = buttons

        layout = QVBoxLayout(self)
        layout.addWidget(self.error_label)
        layout.addWidget(self.override_label)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.result_label)
        layout.addWidget(buttons)

        self.show_settings(session.app.settings)
        self._placeholder("trader", session.app.actor)
        self._placeholder("database_url", "empty: the per-user SQLite file")
        self._placeholder("broker.account", "empty: the first account of the login")
        self._note_command_line_overrides()
        self.resize(900, 600)

    # -- building ----------------------------------------------------------------------------
    def _build_tab(self, tab: Tab) -> QWidget:
        page = QWidget(self)
        page.setObjectName(f"settings_tab_{tab.key}")
        grid = QGridLayout(page)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(10)
        for i, group in enumerate(tab.groups):
            grid.addWidget(self._build_group(group, page), i // tab.columns, i % tab.columns)
        rows = (len(tab.groups) + tab.columns - 1) // tab.columns
        if tab.key == "database":
            default = default_database_path()
            grid.addWidget(
                _muted(
                    f"Empty: the per-user SQLite file {default}\n"
                    f"In use now: {self.session.app.database.url}",
                    page,
                ),
                rows,
                0,
                1,
                tab.columns,
            )
            rows += 1
        if tab.note:
            grid.addWidget(_muted(tab.note, page), rows, 0, 1, tab.columns)
            rows += 1
        grid.setRowStretch(rows, 1)
        return page

    def _build_group(self, group: Group, page: QWidget) -> QWidget:
        box: QWidget = QGroupBox(group.title, page) if group.title else QWidget(page)
        grid = QGridLayout(box)
        grid.setColumnStretch(1, 1)
        row = 0
        for spec in group.fields:
            editor = FieldEditor(spec, box)
            self._editors[spec.name] = editor
            editor.on_edited(self._recheck)
            label = QLabel(spec.label, box)
            label.setBuddy(editor.widget)
            label.setToolTip(spec.help)
            cell = QHBoxLayout()
            cell.setSpacing(6)
            cell.addWidget(editor.widget)
            if spec.unit:
                cell.addWidget(_muted(spec.unit, box))
            cell.addStretch(1)
            grid.addWidget(label, row, 0)
            grid.addLayout(cell, row, 1)
            row += 1
            if spec.name == "broker.live":
                self.live_warning = QLabel(LIVE_WARNING, box)
                self.live_warning.setObjectName("settings_live_warning")
                self.live_warning.setWordWrap(True)
                set_tone(self.live_warning, "critical")
                grid.addWidget(self.live_warning, row, 0, 1, 2)
                row += 1
                live = editor.widget
                if isinstance(live, QCheckBox):
                    live.toggled.connect(self.live_warning.setVisible)
        if group.note:
            grid.addWidget(_muted(group.note, box), row, 0, 1, 2)
        return box

    def _placeholder(self, name: str, text: str) -> None:
        widget = self._editors[name].widget
        if isinstance(widget, QLineEdit):
            widget.setPlaceholderText(text)

    # -- fields ------------------------------------------------------------------------------
    def editor(self, name: str) -> QWidget:
        """The editor widget of the setting ``name`` (``"risk.max_order_quantity"``)."""
        return self._editors[name].widget

    def field(self, name: str) -> FieldEditor:
        return self._editors[name]

    def tab_index(self, key: str) -> int:
        """The tab index of ``key`` (``"risk"``, ``"orders"``, ``"alerts"``, ``"broker"``,
        ``"database"``, ``"appearance"``, ``"sim"``, ``"keys"``, ``"presets"``)."""
        return self._tab_index[key]

    @property
    def errors(self) -> dict[str, str]:
        """The problems found by the last OK / Apply, by field name."""
        return dict(self._errors)

    def show_settings(self, settings: Settings) -> None:
        """Put ``settings`` in the editors."""
        for name, editor in self._editors.items():
            editor.set_value(_get(settings, name))
        self.live_warning.setVisible(settings.broker.live)
        # Entries the window set aside (reported at start) show as their default.
        self.keymap_page.set_keymap(Keymap.from_settings(settings.keymap)[0])
        self.presets_page.set_presets(settings.presets)

    def restore_tab_defaults(self) -> None:
        """Put the defaults of the current tab's settings in its fields (applied on OK)."""
        defaults = Settings()
        index = self.tabs.currentIndex()
        if index == self._tab_index["keys"]:
            self.keymap_page.reset_all()
        if index == self._tab_index["presets"]:
            self.presets_page.set_presets(defaults.presets)
        for name, editor in self._editors.items():
            if self._tab_index[TAB_OF[name].key] == index:
                editor.set_value(_get(defaults, name))

    # -- building settings -------------------------------------------------------------------
    def _recheck(self) -> None:
        """A value changed while problems are shown: show what is still wrong (a corrected
        value loses its mark, and the banner goes once nothing is left), without moving the
        focus away from the field being typed in."""
        if self._errors:
            self.collect(move_focus=False)

    def collect(self, *, move_focus: bool = True) -> Settings | None:
        """Settings from the editors, or None with every problem marked at its field."""
        current = self.session.app.settings
        errors: dict[str, str] = {}
        values: dict[str, object] = {}
        for name, editor in self._editors.items():
            try:
                values[name] = editor.value()
            except FieldError as exc:
                errors[name] = str(exc)
        # Fields that cannot be read keep their current value, so the cross-field rules still
        # run and every problem shows at once.
        presets = self.presets_page.collect()
        if presets is None:
            errors[PRESETS] = self.presets_page.problem
        settings = dataclasses.replace(
            _with_values(current, values),
            keymap=self.keymap_page.keymap.pairs(),
            presets=current.presets if presets is None else presets,
        )
        for name, message in _dialog_checks(settings).items():
            errors.setdefault(name, message)
        try:
            validate(settings, "settings")
        except SettingsError as exc:
            # "" holds a problem that names no field the dialog shows (top line only).
            errors.setdefault(field_of_error(str(exc)) or "", str(exc))
        self._show_errors(errors, move_focus=move_focus)
        return None if errors else settings

    def _show_errors(self, errors: dict[str, str], *, move_focus: bool = True) -> None:
        self._errors = errors
        palette = self.session.palette
        for name, editor in self._editors.items():
            editor.set_invalid(
                describe_error(name, errors[name]) if name in errors else None, palette
            )
        fields = [name for name in errors if name in self._editors]
        bad_tabs = {self._tab_index[TAB_OF[name].key] for name in fields}
        for tab in TABS:
            index = self._tab_index[tab.key]
            self.tabs.setTabText(index, f"{tab.title} ⚠" if index in bad_tabs else tab.title)
        presets_tab = self._tab_index["presets"]
        self.tabs.setTabText(presets_tab, "Presets ⚠" if PRESETS in errors else "Presets")
        if PRESETS in errors and not fields and move_focus:
            self.tabs.setCurrentIndex(presets_tab)
        if not errors:
            self.error_label.hide()
            return
        lines = [
            describe_error(name, message) if name in self._editors else message
            for name, message in errors.items()
        ]
        self.error_label.setText("Not applied — please correct:\n" + "\n".join(lines))
        self.error_label.show()
        if fields and move_focus:
            first = fields[0]
            self.tabs.setCurrentIndex(self._tab_index[TAB_OF[first].key])
            self._editors[first].widget.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- applying ----------------------------------------------------------------------------
    def apply(self) -> bool:
        """Validate, apply to the session at once and start saving; False if a field is wrong.

        Nothing is applied or saved when any field is wrong. The file is written in the
        background: :attr:`saved` (or :attr:`save_failed`) tells when it is done.
        """
        settings = self.collect()
        if settings is None:
            self._show_result("", "")
            return False
        before = self.session.app.settings
        if settings == before:
            self._show_result("Nothing changed.", "muted")
            return True
        restart = self.session.app.apply_settings(settings)
        if before.trader != settings.trader:
            restart.append("trader name")
        if before.risk.market_timezone != settings.risk.market_timezone:
            restart.append("market time zone of charts and day P&L")
        if before.ui.theme != settings.ui.theme:
            self._apply_theme(settings.ui.theme)
        if restart:
            text = "Applied. Takes effect after a restart: " + ", ".join(restart) + "."
            self._show_result(text, "warning")
        else:
            text = "Applied."
            self._show_result(text, "ok")
        self.session.message.emit(f"Settings: {text}")
        self.session.settings_applied.emit(settings)  # the window rebinds its keys
        self.applied.emit(list(restart))
        self._start_save(before, settings)
        return True

    def accept_settings(self) -> None:
        """OK: apply, and close once the file is written (stay open if anything fails)."""
        if not self.apply():
            return
        if self._save_task is None or self._save_task.done():
            self.accept()
        else:
            self._close_when_saved = True
            self._set_buttons_enabled(False)

    def _apply_theme(self, name: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            self.session.set_palette(apply_theme(app, name))

    def _start_save(self, before: Settings, after: Settings) -> None:
        previous, path = self._save_task, self.path

        async def save() -> None:
            if previous is not None and not previous.done():
                await asyncio.wait([previous])  # one write at a time, in order
            loop = asyncio.get_running_loop()
            try:
                await loop.run_in_executor(None, save_changes, path, before, after)
            except OSError as exc:
                log.warning("could not save settings to %s: %s", path, exc)
                self.session.fail("save settings", f"cannot write {path}: {exc}")
                if shiboken6.isValid(self):
                    self._close_when_saved = False
                    self._set_buttons_enabled(True)
                    self._show_result(
                        f"Applied to this session, but NOT saved: cannot write {path}: {exc}",
                        "critical",
                    )
                    self.save_failed.emit(str(exc))
                return
            if shiboken6.isValid(self):
                self.saved.emit(path)
                if self._close_when_saved:
                    self._close_when_saved = False
                    self._set_buttons_enabled(True)
                    self.accept()

        self._save_task = self.session.run(save(), "save settings")

    def _set_buttons_enabled(self, enabled: bool) -> None:
        for button in (self.ok_button, self.apply_button, self.defaults_button):
            button.setEnabled(enabled)

    def _show_result(self, text: str, tone: str) -> None:
        self.result_label.setText(text)
        set_tone(self.result_label, tone)

    # -- command-line overrides --------------------------------------------------------------
    def _note_command_line_overrides(self) -> None:
        """Say which values of this session came from the command line (not saved unless
        changed here). Reads the file in an executor."""
        path, session_settings = self.path, self.session.app.settings

        async def read() -> None:
            loop = asyncio.get_running_loop()
            on_file = await loop.run_in_executor(None, read_file_settings, path)
            if on_file is None or not shiboken6.isValid(self):
                return
            names = [n for n in changed_fields(on_file, session_settings) if n in FIELDS]
            if names:
                labels = ", ".join(FIELDS[n].label for n in names)
                self.override_label.setText(
                    f"This session runs with values that differ from the settings file "
                    f"(command-line options): {labels}. They are saved only if you change "
                    "them here."
                )
                self.override_label.show()

        self.session.run(read(), "read settings file")


def _get(settings: Settings, name: str) -> object:
    section, _, field = name.partition(".")
    value = getattr(settings, section)
    return getattr(value, field) if field else value


def _with_values(current: Settings, values: dict[str, object]) -> Settings:
    sections: dict[str, dict[str, object]] = {}
    top: dict[str, Any] = {}
    for name, value in values.items():
        section, _, field = name.partition(".")
        if field:
            sections.setdefault(section, {})[field] = value
        else:
            top[section] = value
    replaced: dict[str, Any] = {
        section: dataclasses.replace(getattr(current, section), **fields)
        for section, fields in sections.items()
    }
    return dataclasses.replace(current, **replaced, **top)


def _dialog_checks(settings: Settings) -> dict[str, str]:
    """Rules the core does not check but a trader would trip over."""
    errors: dict[str, str] = {}
    url = settings.database_url.strip()
    if url:
        try:
            parsed = make_url(url)
        except ArgumentError:
            errors["database_url"] = (
                "not a database URL (sqlite:///path/terminal.db or postgresql+psycopg://...)"
            )
        else:
            backend = parsed.get_backend_name()
            if backend not in ("sqlite", "postgresql"):
                errors["database_url"] = (
                    f"unsupported database {backend!r}: use SQLite or PostgreSQL"
                )
            elif backend == "sqlite" and (parsed.database or ":memory:") == ":memory:":
                errors["database_url"] = "needs a file: sqlite:///path/terminal.db"
    if settings.broker.kind == "ib" and not settings.broker.host.strip():
        errors["broker.host"] = "enter where TWS or IB Gateway runs (127.0.0.1 on this computer)"
    return errors


def open_settings_dialog(session: Session, path: Path, parent: QWidget) -> None:
    """Open the settings dialog for the settings file at ``path`` (File → Settings, Ctrl+,).

    The dialog is window-modal but opened with ``open()``, not ``exec()``: no nested event
    loop, so the market, the refresh clock and the save in the executor keep running. A second
    call brings the open dialog forward.
    """
    existing = parent.findChild(SettingsDialog, "settings_dialog")
    if existing is not None and existing.isVisible():
        existing.raise_()
        existing.activateWindow()
        return
    dialog = SettingsDialog(session, path, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
