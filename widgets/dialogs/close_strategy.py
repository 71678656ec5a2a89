"""Close a strategy: the opposite combo, LMT at the net mid by default, priced before staging.

As TWS prices a closing order at the midpoint and lets the trader change it before it is sent,
the dialog opens with the net limit at the closing combo's net mid (on the combo's tick) and
the cursor in it; **Mid** and **Natural** (the net market the close takes now) set it again,
and MKT stays one choice away. Enter stages the order; it then waits in the approval queue like
any other. When a leg cannot trade (no quote, or a wing with no bid the close would have to
sell) the dialog says which and why, and refuses to stage.

The dialog only validates and returns a :class:`CloseChoice`; the Positions tab stages it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.domain import DomainError, OrderType, TimeInForce
from terminal.options.labels import legs_text, net_text, strategy_title
from terminal.portfolio.closing import CloseQuote
from widgets.style_props import set_invalid, set_tone

LMT, MKT = OrderType.LIMIT.value, OrderType.MARKET.value


@dataclass(frozen=True, slots=True)
class CloseChoice:
    """How to close: a net limit (None: MKT) and the time in force."""

    limit_price: Decimal | None
    tif: TimeInForce


class CloseStrategyDialog(QDialog):
    """Ask how to close a strategy (not modal for the loop: opened with ``open()``).

    Args:
        quote: Reads the closing combo's market now (called at opening and by Mid/Natural).
    """

    def __init__(self, quote: Callable[[], CloseQuote], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._quote_source = quote
        self.quote = quote()
        combo = self.quote.combo
        self.setObjectName("close_strategy_dialog")
        self.setWindowTitle(f"Close {combo.description}")
        units = f"{self.quote.units.normalize():f}"
        summary = QLabel(f"{self.quote.side.value} {strategy_title(combo)} ×{units} to close", self)
        summary.setToolTip(legs_text(combo))
        summary.setObjectName("close_summary")
        self.market = QLabel("", self)
        self.market.setObjectName("close_market")
        set_tone(self.market, "muted")
        self.problem = QLabel("", self)
        self.problem.setObjectName("close_problem")
        self.problem.setWordWrap(True)
        set_tone(self.problem, "critical")

        self.order_type = QComboBox(self)
        self.order_type.setObjectName("close_order_type")
        self.order_type.addItems([LMT, MKT])
        self.limit_edit = QLineEdit(self)
        self.limit_edit.setObjectName("close_limit")
        self.limit_edit.setPlaceholderText(f"net price, tick {combo.tick_size.normalize():f}")
        self.mid_button = QPushButton("Mid", self)
        self.mid_button.setObjectName("close_mid")
        self.mid_button.setToolTip("Set the limit to the net mid of the legs' quotes")
        self.natural_button = QPushButton("Natural", self)
        self.natural_button.setObjectName("close_natural")
        self.natural_button.setToolTip(
            "Set the limit to the net market the close takes now (fills at once if it holds)"
        )
        self.meaning = QLabel("", self)
        self.meaning.setObjectName("close_meaning")
        set_tone(self.meaning, "muted")
        self.tif = QComboBox(self)
        self.tif.setObjectName("close_tif")
        self.tif.addItems([TimeInForce.DAY.value, TimeInForce.GTC.value])
        price_row = QHBoxLayout()
        price_row.addWidget(self.limit_edit, 1)
        price_row.addWidget(self.mid_button)
        price_row.addWidget(self.natural_button)
        form = QFormLayout()
        form.addRow("Type", self.order_type)
        form.addRow("Net limit", price_row)
        form.addRow("", self.meaning)
        form.addRow("Time in force", self.tif)
        self.error = QLabel("", self)
        self.error.setObjectName("close_error")
        set_tone(self.error, "critical")
        self.error.hide()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.stage_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.stage_button.setText("Stage close")
        self.stage_button.setProperty("role", "primary")
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        self.order_type.currentTextChanged.connect(lambda _text: self.validate())
        self.limit_edit.textChanged.connect(lambda _text: self.validate())
        self.mid_button.clicked.connect(lambda: self.set_limit("mid"))
        self.natural_button.clicked.connect(lambda: self.set_limit("natural"))

        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        layout.addWidget(summary)
        layout.addWidget(self.market)
        layout.addWidget(self.problem)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._show_quote()
        self.set_limit("mid")
        self.limit_edit.setFocus()
        self.limit_edit.selectAll()

    # -- market -------------------------------------------------------------------------------
    def _show_quote(self) -> None:
        quote, combo = self.quote, self.quote.combo
        net = quote.net
        self.market.setText(
            f"Net bid {combo.format_price(net.bid, signed=True)} · "
            f"ask {combo.format_price(net.ask, signed=True)} · "
            f"mid {combo.format_price(net.mid, signed=True)} (per combo, from the legs' quotes)"
        )
        self.problem.setText(quote.refusal())
        self.problem.setVisible(not quote.tradable)

    def set_limit(self, which: str) -> None:
        """Re-read the legs' quotes and set the limit to the net ``"mid"`` or ``"natural"``."""
        self.quote = self._quote_source()
        self._show_quote()
        price = self.quote.mid if which == "mid" else self.quote.natural
        self.limit_edit.setText("" if price is None else f"{price}")
        self.validate()

    # -- validation ---------------------------------------------------------------------------
    @property
    def is_market(self) -> bool:
        return self.order_type.currentText() == MKT

    def validate(self) -> CloseChoice | None:
        """Check the fields; show what is wrong; return the choice when it can be staged."""
        self.limit_edit.setEnabled(not self.is_market)
        self.mid_button.setEnabled(not self.is_market)
        self.natural_button.setEnabled(not self.is_market)
        tif = TimeInForce(self.tif.currentText())
        choice: CloseChoice | None = None
        problem = ""
        if not self.quote.tradable:
            problem = "Not staged: a leg cannot trade (see above)"
        elif self.is_market:
            choice = CloseChoice(None, tif)
        else:
            try:
                limit = self.quote.combo.check_price(self.limit_edit.text().strip())
                choice = CloseChoice(limit, tif)
            except DomainError as exc:
                problem = str(exc)
        if choice is not None and choice.limit_price is not None:
            self.meaning.setText(net_text(self.quote.side, choice.limit_price))
        else:
            self.meaning.setText("at the market" if self.is_market else "")
        set_invalid(self.limit_edit, bool(problem) and not self.is_market)
        self.error.setText(problem)
        self.error.setVisible(bool(problem))
        self.stage_button.setEnabled(choice is not None)
        return choice

    def choice(self) -> CloseChoice:
        """The validated choice (call after ``accepted``)."""
        choice = self.validate()
        assert choice is not None  # accepted only when valid
        return choice

    def _accept_if_valid(self) -> None:
        if self.validate() is not None:
            self.accept()
