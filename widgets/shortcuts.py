"""Every keyboard shortcut of the window, in one table: the window and panes bind from here and
the help dialog (F1) lists it, so the two cannot drift apart.

These are the defaults. The window's actions ("anywhere") and the depth ladder's order keys can
be rebound by the trader in Settings › Keys (see :mod:`widgets.keymap`); a pane's other keys are
fixed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Shortcut:
    keys: str
    action: str
    where: str = "anywhere"


KILL_SWITCH = Shortcut("Ctrl+Shift+K", "KILL SWITCH: halt trading, cancel every working order")
CANCEL_ALL = Shortcut("Ctrl+Shift+X", "Cancel all working orders")
BUY_TICKET = Shortcut("F2", "Buy ticket for the active instrument")
SELL_TICKET = Shortcut("F3", "Sell ticket for the active instrument")
FIND_SYMBOL = Shortcut("Ctrl+L", "Add a symbol to the watchlist")
ACK_ALL = Shortcut("Ctrl+Shift+A", "Acknowledge all alerts")
SETTINGS = Shortcut("Ctrl+,", "Settings")
RESET_LAYOUT = Shortcut("Ctrl+Shift+R", "Reset the window layout")
TOGGLE_THEME = Shortcut("Ctrl+Shift+T", "Switch dark / light theme")
HEALTH = Shortcut("Ctrl+Shift+H", "Open the health view")
HELP = Shortcut("F1", "Keyboard shortcuts")
QUIT = Shortcut("Ctrl+Q", "Quit")
FOCUS_PANE = Shortcut("Ctrl+1 … Ctrl+9", "Bring a pane forward (in the order of the View menu)")
ANALYTICS = Shortcut("Ctrl+Shift+P", "Analytics: P&L, slippage and what waiting to approve cost")
MUTE_SOUNDS = Shortcut(
    "Ctrl+Shift+M", "Mute / unmute the sounds of fills, rejects and alerts (Settings › Alerts)"
)
NEW_CHART = Shortcut("Ctrl+Alt+C", "Open another chart (Window menu)")
NEW_LADDER = Shortcut("Ctrl+Alt+D", "Open another depth ladder (Window menu)")
NEW_TAPE = Shortcut("Ctrl+Alt+T", "Open another time & sales (Window menu)")
NEW_OPTIONS = Shortcut("Ctrl+Alt+O", "Open another options chain (Window menu)")
CYCLE_LINK = Shortcut("Ctrl+Alt+L", "Next link group (colour) of the pane with the focus")
SAVE_WORKSPACE = Shortcut("Ctrl+Alt+S", "Save the workspace as… (Window › Workspaces)")

# Trading keys: they STAGE orders in the ticket's instrument with the ticket's quantity, for
# approval; only "approve the order just staged" approves, through the queue's own checks.
BUY_AT_BID = Shortcut("F5", "Stage a buy limit at the bid (ticket's instrument and quantity)")
BUY_AT_ASK = Shortcut("F6", "Stage a buy limit at the ask (ticket's instrument and quantity)")
BUY_MARKET = Shortcut("F7", "Stage a buy market order (ticket's instrument and quantity)")
SELL_AT_BID = Shortcut("Shift+F5", "Stage a sell limit at the bid (ticket's instrument, quantity)")
SELL_AT_ASK = Shortcut("Shift+F6", "Stage a sell limit at the ask (ticket's instrument, quantity)")
SELL_MARKET = Shortcut("Shift+F7", "Stage a sell market order (ticket's instrument and quantity)")
FLATTEN = Shortcut("F8", "Stage a market order closing the ticket instrument's position")
REVERSE = Shortcut("Shift+F8", "Stage a market order reversing the ticket instrument's position")
CANCEL_INSTRUMENT = Shortcut("F9", "Cancel the ticket instrument's open orders (staged or working)")
APPROVE_STAGED = Shortcut("F12", "Approve the order just staged (the queue's checks still apply)")
SIZE_PRESETS = tuple(
    Shortcut(f"Alt+{n}", f"Ticket quantity: size preset {n} (Settings › Orders)")
    for n in range(1, 6)
)

STAGE = Shortcut("Enter", "Stage the order for approval", "order ticket")
CHOOSE_PRESET = Shortcut(
    "Alt+P", "Choose the order preset (quantity, type, TIF, bracket)", "order ticket"
)
APPROVE = Shortcut("Ctrl+Enter", "Approve the selected order", "approval queue")
REJECT = Shortcut("Delete", "Reject the selected order", "approval queue")
OVERRIDE = Shortcut(
    "Ctrl+Shift+Enter", "Approve a WARN order with an override reason", "approval queue"
)
CANCEL_ORDER = Shortcut("Delete", "Cancel the selected working order", "blotter")
REMOVE_SYMBOL = Shortcut("Delete", "Remove the selected instrument", "watchlist")
LADDER_CLICK = Shortcut(
    "Click / Shift+Click",
    "Bid side: buy limit; ask side: sell limit / a stop: buy above the market, sell below",
    "depth ladder",
)
LADDER_DRAG_ORDER = Shortcut(
    "Drag My buys / My sells",
    "Move your working order(s) to that price (a modify; Escape cancels the drag)",
    "depth ladder",
)
LADDER_CANCEL = Shortcut("Click ×", "Cancel your working orders at that price", "depth ladder")
RECENTRE = Shortcut("Space", "Re-centre the ladder on the market", "depth ladder")
# Moving an order with the keyboard: select one of your working orders, then move it by ticks.
# The moves add up on the ladder and go to the broker as ONE modify, on Enter or once the keys
# rest (LADDER_MOVE_IDLE_SECONDS in widgets.panes.depth_keys); Escape drops the move.
LADDER_NEXT_ORDER = Shortcut(
    "Ctrl+Right", "Select the next of your working orders (top to bottom)", "depth ladder"
)
LADDER_PREVIOUS_ORDER = Shortcut(
    "Ctrl+Left", "Select the previous of your working orders", "depth ladder"
)
LADDER_ORDER_UP = Shortcut("Ctrl+Up", "Move the selected order one tick up", "depth ladder")
LADDER_ORDER_DOWN = Shortcut("Ctrl+Down", "Move the selected order one tick down", "depth ladder")
LADDER_ORDER_UP_10 = Shortcut("Ctrl+PgUp", "Move the selected order ten ticks up", "depth ladder")
LADDER_ORDER_DOWN_10 = Shortcut(
    "Ctrl+PgDown", "Move the selected order ten ticks down", "depth ladder"
)
LADDER_SEND_MOVE = Shortcut(
    "Enter / Escape",
    "Send the selected order's move now (one modify) / drop the move, then the selection",
    "depth ladder",
)
# Not Space: anywhere else Space ticks the checkbox or presses the button that has the focus.
RECENTRE_LADDER = Shortcut("F4", "Re-centre the depth ladder on the market")
FOLLOW = Shortcut("End", "Follow the last bar again", "chart")
CHART_TIMEFRAME = Shortcut("1 … 5", "Timeframe 1m / 5m / 15m / 1h / 1D", "chart")
CHART_PAN_ZOOM = Shortcut("Left / Right, + / −", "Pan (Shift: half a screen) / zoom", "chart")
CHART_DRAG_ORDER = Shortcut(
    "Drag an order line", "Modify the working order's price (Escape cancels)", "chart"
)
CHART_DELETE_DRAWING = Shortcut("Delete", "Remove the selected drawing", "chart")
CHART_ESCAPE = Shortcut("Escape", "Cancel a line drag / put the drawing tool down", "chart")
ACK_ALERT = Shortcut("Space / Enter", "Acknowledge the selected alert", "alerts")
REMOVE_PRICE_ALERT = Shortcut("Delete", "Remove the selected price alert", "alerts › price alerts")
SYMBOL_FIELD = Shortcut(
    "Down / Escape", "Symbol field: move into the table / clear the field", "watchlist"
)
OPTION_TICKET = Shortcut(
    "Click / Enter on bid or ask", "Ticket: sell at the bid / buy at the ask", "options chain"
)
AUDIT_DETAILS = Shortcut("Enter / Double-click", "Show the full audit record", "audit trail")
CLOSE_POSITION = Shortcut(
    "Double-click", "Stage a closing order for the position (for approval)", "blotter positions"
)
MODIFY_ORDER = Shortcut("Double-click", "Modify the working order", "blotter orders")

ALL: tuple[Shortcut, ...] = (
    KILL_SWITCH,
    CANCEL_ALL,
    BUY_TICKET,
    SELL_TICKET,
    RECENTRE_LADDER,
    FIND_SYMBOL,
    ACK_ALL,
    SETTINGS,
    RESET_LAYOUT,
    TOGGLE_THEME,
    HEALTH,
    HELP,
    QUIT,
    FOCUS_PANE,
    ANALYTICS,
    MUTE_SOUNDS,
    NEW_CHART,
    NEW_LADDER,
    NEW_TAPE,
    NEW_OPTIONS,
    CYCLE_LINK,
    SAVE_WORKSPACE,
    BUY_AT_BID,
    BUY_AT_ASK,
    BUY_MARKET,
    SELL_AT_BID,
    SELL_AT_ASK,
    SELL_MARKET,
    FLATTEN,
    REVERSE,
    CANCEL_INSTRUMENT,
    APPROVE_STAGED,
    *SIZE_PRESETS,
    STAGE,
    CHOOSE_PRESET,
    APPROVE,
    REJECT,
    OVERRIDE,
    CANCEL_ORDER,
    REMOVE_SYMBOL,
    LADDER_CLICK,
    LADDER_DRAG_ORDER,
    LADDER_NEXT_ORDER,
    LADDER_PREVIOUS_ORDER,
    LADDER_ORDER_UP,
    LADDER_ORDER_DOWN,
    LADDER_ORDER_UP_10,
    LADDER_ORDER_DOWN_10,
    LADDER_SEND_MOVE,
    LADDER_CANCEL,
    RECENTRE,
    FOLLOW,
    CHART_TIMEFRAME,
    CHART_PAN_ZOOM,
    CHART_DRAG_ORDER,
    CHART_DELETE_DRAWING,
    CHART_ESCAPE,
    CLOSE_POSITION,
    MODIFY_ORDER,
    ACK_ALERT,
    REMOVE_PRICE_ALERT,
    SYMBOL_FIELD,
    OPTION_TICKET,
    AUDIT_DETAILS,
)
