"""The loopback gateway's reference and market data, seen through the unmodified ib_async client."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import AsyncIterator, Iterator
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from ib_async import IB, Contract, MarketOrder, Option, Stock

from tests.ib.gateway import Gateway, running_gateway
from tests.ib.gateway.client_wait import client_until

CON_IDS = {"AAPL": 265598, "MSFT": 272093, "SPY": 756733}
AAPL = Stock("AAPL", "SMART", "USD", conId=CON_IDS["AAPL"])
NEW_YORK = "US/Eastern"


@pytest.fixture
def gw() -> Iterator[Gateway]:
    with running_gateway() as gateway:
        yield gateway


@pytest_asyncio.fixture
async def ib(gw: Gateway) -> AsyncIterator[IB]:
    client = IB()
    await client.connectAsync("127.0.0.1", gw.port, clientId=1, timeout=4)
    yield client
    client.disconnect()


def _errors(client: IB) -> list[tuple[int, int, str]]:
    seen: list[tuple[int, int, str]] = []
    client.errorEvent += lambda req_id, code, text, contract: seen.append((req_id, code, text))
    return seen


def _known(value: float) -> bool:
    return not math.isnan(value)


# -- reference data --------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_qualify_known_stocks_and_unknown_symbol(ib: IB) -> None:
    errors = _errors(ib)
    aapl, msft, nope = (
        Stock("AAPL", "SMART", "USD"),
        Stock("MSFT", "SMART", "USD"),
        Stock("NOPE", "SMART", "USD"),
    )
    result = await ib.qualifyContractsAsync(aapl, msft, nope)
    assert result[2] is None
    assert (aapl.conId, aapl.primaryExchange) == (265598, "NASDAQ")
    assert (msft.conId, msft.primaryExchange) == (272093, "NASDAQ")
    assert (200, "No security definition has been found for the request") in [
        (code, text) for _, code, text in errors
    ]


@pytest.mark.asyncio
async def test_contract_details_carry_stock_type_name_and_tick(ib: IB) -> None:
    [aapl] = await ib.reqContractDetailsAsync(Stock("AAPL", "SMART", "USD"))
    [spy] = await ib.reqContractDetailsAsync(Stock("SPY", "SMART", "USD"))
    assert (aapl.stockType, aapl.longName, aapl.minTick) == ("COMMON", "APPLE INC", 0.01)
    assert (spy.stockType, spy.longName, spy.contract.primaryExchange) == (
        "ETF",
        "SPDR S&P 500 ETF TRUST",
        "ARCA",
    )
    assert aapl.secIdList[0].value == "US0378331005"


@pytest.mark.asyncio
async def test_a_stock_without_exchange_is_ambiguous_like_tws(ib: IB) -> None:
    details = await ib.reqContractDetailsAsync(Stock("AAPL"))
    assert sorted(d.contract.exchange for d in details) == ["NASDAQ", "SMART"]
    assert await ib.qualifyContractsAsync(Stock("AAPL")) == [None]


@pytest.mark.asyncio
async def test_option_chain_lists_future_expiries_and_strikes_around_the_price(ib: IB) -> None:
    chains = await ib.reqSecDefOptParamsAsync("AAPL", "", "STK", 265598)
    assert {c.exchange for c in chains} == {"SMART", "CBOE", "AMEX"}
    smart = next(c for c in chains if c.exchange == "SMART")
    today = dt.datetime.now(ZoneInfo("America/New_York")).strftime("%Y%m%d")
    assert smart.expirations == sorted(smart.expirations)
    assert len(smart.expirations) >= 4
    assert all(e > today for e in smart.expirations)
    assert min(smart.strikes) < 190 < max(smart.strikes)
    # ib_async hands underlyingConId through as text.
    assert (smart.multiplier, smart.tradingClass, smart.underlyingConId) == (
        "100",
        "AAPL",
        "265598",
    )
    assert await ib.reqSecDefOptParamsAsync("MSFT", "", "STK", 272093) == []


@pytest.mark.asyncio
async def test_option_contract_details_by_fields_and_by_con_id(ib: IB) -> None:
    chain = (await ib.reqSecDefOptParamsAsync("SPY", "", "STK", 756733))[0]
    expiry = chain.expirations[1]
    option = Option("SPY", expiry, 500.0, "P", "SMART")
    [details] = await ib.reqContractDetailsAsync(option)
    assert details.contract.conId > 0
    assert details.underConId == 756733
    assert details.contract.multiplier == "100"
    assert details.contract.localSymbol == f"SPY   {expiry[2:]}P00500000"
    [again] = await ib.reqContractDetailsAsync(Contract(conId=details.contract.conId))
    assert (again.contract.secType, again.contract.strike, again.contract.right) == (
        "OPT",
        500.0,
        "P",
    )


# -- streaming market data -------------------------------------------------------------------


@pytest.mark.asyncio
async def test_ticks_arrive_and_follow_set_quote(gw: Gateway, ib: IB) -> None:
    ticker = ib.reqMktData(AAPL)
    await client_until(ib, lambda: ticker.bid == 189.99 and ticker.ask == 190.01, what="quote")
    assert (ticker.last, ticker.close, ticker.marketDataType) == (190.0, 189.05, 1)
    assert ticker.volume == 1_000_000
    assert ticker.lastTimestamp is not None
    gw.set_quote("AAPL", bid=191.10, ask=191.12, last=191.11, last_size=300)
    await client_until(ib, lambda: ticker.last == 191.11, what="new last")
    assert (ticker.bid, ticker.ask, ticker.lastSize) == (191.10, 191.12, 300)
    assert ticker.volume == 1_000_300


@pytest.mark.asyncio
async def test_a_snapshot_answers_once_without_holding_a_line(gw: Gateway, ib: IB) -> None:
    [ticker] = await ib.reqTickersAsync(AAPL)
    assert (ticker.bid, ticker.ask, ticker.last) == (189.99, 190.01, 190.0)
    assert gw.market_data_lines() == 0


@pytest.mark.asyncio
async def test_type_3_gives_real_time_data_where_the_account_has_it(gw: Gateway, ib: IB) -> None:
    # Market data type 3 is "delayed where not subscribed": TWS still streams real-time data
    # for what the account is subscribed to (this gateway is, unless started ``delayed``).
    ib.reqMarketDataType(3)
    ticker = ib.reqMktData(AAPL)
    await client_until(ib, lambda: _known(ticker.last) and _known(ticker.bid), what="quote")
    assert ticker.marketDataType == 1
    assert {1, 2, 4} <= {tick.tickType for tick in ticker.ticks}


@pytest.mark.asyncio
async def test_type_3_on_a_gateway_without_subscriptions_gives_delayed_ticks() -> None:
    with running_gateway(delayed=True) as gw:
        client = IB()
        await client.connectAsync("127.0.0.1", gw.port, clientId=1, timeout=4)
        try:
            client.reqMarketDataType(3)
            ticker = client.reqMktData(AAPL)
            await client_until(client, lambda: _known(ticker.last), what="delayed")
            assert ticker.marketDataType == 3
            assert {66, 67, 68} <= {tick.tickType for tick in ticker.ticks}
        finally:
            client.disconnect()


@pytest.mark.asyncio
async def test_a_delayed_gateway_warns_10167_and_sends_delayed_data() -> None:
    with running_gateway(delayed=True) as gw:
        client = IB()
        await client.connectAsync("127.0.0.1", gw.port, clientId=1, timeout=4)
        try:
            errors = _errors(client)
            ticker = client.reqMktData(AAPL)
            await client_until(client, lambda: _known(ticker.ask), what="delayed ask")
            assert ticker.marketDataType == 3
            assert 10167 in [code for _, code, _ in errors]
        finally:
            client.disconnect()


@pytest.mark.asyncio
async def test_line_limit_answers_101_until_a_line_is_cancelled() -> None:
    with running_gateway(max_market_data_lines=2) as gw:
        client = IB()
        await client.connectAsync("127.0.0.1", gw.port, clientId=1, timeout=4)
        try:
            errors = _errors(client)
            aapl, msft, spy = (Stock(s, "SMART", "USD", conId=CON_IDS[s]) for s in CON_IDS)
            client.reqMktData(aapl)
            client.reqMktData(msft)
            refused = client.reqMktData(spy)
            await client_until(client, lambda: any(c == 101 for _, c, _ in errors), what="101")
            assert [text for _, code, text in errors if code == 101] == [
                "Max number of tickers has been reached"
            ]
            assert math.isnan(refused.bid)
            client.cancelMktData(aapl)
            await gw.until(lambda g: g.market_data_lines() == 1, what="line freed")
            again = client.reqMktData(spy)
            await client_until(client, lambda: again.bid == 499.99, what="SPY quote")
        finally:
            client.disconnect()


@pytest.mark.asyncio
async def test_option_ticker_gets_model_greeks_that_follow_the_underlying(
    gw: Gateway, ib: IB
) -> None:
    chain = (await ib.reqSecDefOptParamsAsync("AAPL", "", "STK", 265598))[0]
    call = Option("AAPL", chain.expirations[2], 190.0, "C", "SMART")
    await ib.qualifyContractsAsync(call)
    ticker = ib.reqMktData(call)
    await client_until(ib, lambda: ticker.modelGreeks is not None, what="greeks")
    greeks = ticker.modelGreeks
    assert 0.3 < greeks.delta < 0.8
    assert greeks.impliedVol > 0 and greeks.gamma > 0 and greeks.vega > 0 and greeks.theta < 0
    assert greeks.undPrice == pytest.approx(190.0)
    assert ticker.bidGreeks is not None and ticker.askGreeks is not None
    assert 0 < ticker.bid < ticker.ask
    gw.set_quote("AAPL", bid=199.99, ask=200.01, last=200.0)
    await client_until(ib, lambda: ticker.modelGreeks.undPrice == 200.0, what="new greeks")
    assert ticker.modelGreeks.delta > greeks.delta
    assert ticker.modelGreeks.optPrice > greeks.optPrice


# -- depth -----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_depth_rows_follow_the_quote(gw: Gateway, ib: IB) -> None:
    ticker = ib.reqMktDepth(AAPL, numRows=5)
    await client_until(ib, lambda: len(ticker.domBids) == 5 == len(ticker.domAsks), what="book")
    assert [level.price for level in ticker.domBids] == [189.99, 189.98, 189.97, 189.96, 189.95]
    assert [level.price for level in ticker.domAsks] == [190.01, 190.02, 190.03, 190.04, 190.05]
    assert ticker.domBids[0].size == 300
    gw.set_quote("AAPL", bid=190.50, ask=190.52, bid_size=700)
    await client_until(ib, lambda: ticker.domBids[0].price == 190.50, what="book moved")
    assert ticker.domBids[0].size == 700
    assert ticker.domAsks[4].price == 190.56


@pytest.mark.asyncio
async def test_depth_limit_answers_309_until_one_is_cancelled(gw: Gateway, ib: IB) -> None:
    errors = _errors(ib)
    stocks = [Stock(s, "SMART", "USD", conId=CON_IDS[s]) for s in CON_IDS]
    for stock in stocks:
        ib.reqMktDepth(stock, numRows=3)
    chain = (await ib.reqSecDefOptParamsAsync("SPY", "", "STK", 756733))[0]
    put = Option("SPY", chain.expirations[0], 490.0, "P", "SMART")
    await ib.qualifyContractsAsync(put)
    ib.reqMktDepth(put, numRows=3)
    await client_until(ib, lambda: any(c == 309 for _, c, _ in errors), what="309")
    assert [t for _, c, t in errors if c == 309] == [
        "Max number (3) of market depth requests has been reached"
    ]
    ib.cancelMktDepth(stocks[1])
    await gw.until(lambda g: g.depth_subscriptions() == 2, what="depth freed")
    ticker = ib.reqMktDepth(put, numRows=3)
    await client_until(ib, lambda: len(ticker.domAsks) == 3, what="option book")


# -- bars ------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_history_returns_one_session_of_bars_in_order(ib: IB) -> None:
    bars = await ib.reqHistoricalDataAsync(
        AAPL, "20240105 16:00:00 US/Eastern", "1 D", "5 mins", "TRADES", True
    )
    assert len(bars) == 78
    assert bars[0].date == dt.datetime(2024, 1, 5, 9, 30, tzinfo=bars[0].date.tzinfo)
    assert str(bars[0].date.tzinfo) == NEW_YORK
    assert bars[-1].date.strftime("%H:%M") == "15:55"
    assert all(a.date < b.date for a, b in itertools.pairwise(bars))
    assert all(b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high for b in bars)
    assert all(b.volume > 0 for b in bars)


@pytest.mark.asyncio
async def test_history_with_epoch_dates_and_daily_bars(ib: IB) -> None:
    epoch = await ib.reqHistoricalDataAsync(
        AAPL, "20240105 16:00:00 US/Eastern", "1800 S", "1 min", "MIDPOINT", True, formatDate=2
    )
    assert len(epoch) == 30
    assert epoch[0].date == dt.datetime(2024, 1, 5, 20, 30, tzinfo=dt.UTC)
    daily = await ib.reqHistoricalDataAsync(
        AAPL, "20240105 16:00:00 US/Eastern", "1 W", "1 day", "TRADES", True
    )
    assert [b.date for b in daily] == [dt.date(2024, 1, d) for d in range(1, 6)]


@pytest.mark.asyncio
async def test_identical_history_request_within_15s_is_a_pacing_violation(ib: IB) -> None:
    errors = _errors(ib)
    args = (AAPL, "20240105 16:00:00 US/Eastern", "1 D", "1 hour", "TRADES", True)
    first = await ib.reqHistoricalDataAsync(*args)
    second = await ib.reqHistoricalDataAsync(*args)
    different = await ib.reqHistoricalDataAsync(
        AAPL, "20240105 16:00:00 US/Eastern", "2 D", "1 hour", "TRADES", True
    )
    assert len(first) == 7
    assert len(second) == 0
    assert len(different) == 14
    assert [t for _, c, t in errors if c == 162] == [
        "Historical Market Data Service error message:Historical data request pacing violation"
    ]


@pytest.mark.asyncio
async def test_keep_up_to_date_bars_update_with_the_price(gw: Gateway, ib: IB) -> None:
    bars = await ib.reqHistoricalDataAsync(
        AAPL, "", "2 D", "1 min", "TRADES", False, keepUpToDate=True
    )
    assert bars
    assert bars[-1].close == 190.0
    updates: list[bool] = []
    bars.updateEvent += lambda b, has_new_bar: updates.append(has_new_bar)
    gw.set_quote("AAPL", last=190.55)
    await client_until(ib, lambda: bool(updates), what="bar update")
    assert bars[-1].close == 190.55
    assert bars[-1].high >= 190.55
    ib.cancelHistoricalData(bars)
    await gw.until(lambda g: g.history_subscriptions() == 0, what="cancelled")


@pytest.mark.asyncio
async def test_real_time_bars_arrive_on_the_configured_interval() -> None:
    with running_gateway(realtime_bar_seconds=0.1) as gw:
        client = IB()
        await client.connectAsync("127.0.0.1", gw.port, clientId=1, timeout=4)
        try:
            bars = client.reqRealTimeBars(AAPL, 5, "TRADES", False)
            await client_until(client, lambda: len(bars) >= 1, what="first bar")
            gw.set_quote("AAPL", last=192.0)
            await client_until(client, lambda: bars[-1].close == 192.0, what="bar at 192")
            assert bars[-1].high >= 192.0
            assert bars[-1].time.second % 5 == 0
        finally:
            client.disconnect()


@pytest.mark.asyncio
async def test_matching_symbols_finds_stocks_by_prefix(ib: IB) -> None:
    found = await ib.reqMatchingSymbolsAsync("MS")
    assert [d.contract.symbol for d in found] == ["MSFT"]
    assert found[0].contract.description == "MICROSOFT CORP"


# -- feed faults -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_silenced_feed_stops_while_the_connection_and_other_feeds_go_on(
    gw: Gateway, ib: IB
) -> None:
    msft_contract = Stock("MSFT", "SMART", "USD", conId=CON_IDS["MSFT"])
    aapl, msft = ib.reqMktData(AAPL), ib.reqMktData(msft_contract)
    await client_until(ib, lambda: _known(aapl.bid) and _known(msft.bid), what="first quotes")
    gw.silence_feed("AAPL")
    gw.set_quote("AAPL", bid=180.0, ask=180.02)
    gw.set_quote("MSFT", bid=300.0, ask=300.02)  # sent after AAPL's would have been
    await client_until(ib, lambda: msft.bid == 300.0, what="MSFT still streaming")
    assert aapl.bid != 180.0
    again = IB()  # a new request still gets its snapshot
    await again.connectAsync("127.0.0.1", gw.port, clientId=2, timeout=4)
    try:
        fresh = again.reqMktData(AAPL)
        await client_until(again, lambda: fresh.bid == 180.0, what="the snapshot")
    finally:
        again.disconnect()
    gw.resume_feed("AAPL")
    gw.set_quote("AAPL", bid=181.0, ask=181.02)
    await client_until(ib, lambda: aapl.bid == 181.0, what="AAPL streaming again")


@pytest.mark.asyncio
async def test_farm_messages_arrive_as_tws_words_them(gw: Gateway, ib: IB) -> None:
    errors = _errors(ib)
    for code in (2103, 2104, 10197):
        gw.farm_message(code)
    await client_until(ib, lambda: len(errors) == 3, what="three messages")
    assert errors == [
        (-1, 2103, "Market data farm connection is broken:usfarm"),
        (-1, 2104, "Market data farm connection is OK:usfarm"),
        (-1, 10197, "No market data during competing live session"),
    ]


# -- account P&L -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_daily_pnl_is_measured_from_the_start_of_the_day_as_tws_reports_it(
    gw: Gateway, ib: IB
) -> None:
    """A position carried from yesterday counts from the previous close, not its cost; today's
    fills from their price, commission included; reqPnLSingle gives one position's share."""
    close = gw.quote("AAPL").close
    gw.set_position("AAPL", 100, avg_cost=150.0)  # bought long ago, well below the close
    gw.set_quote("AAPL", bid=close + 0.99, ask=close + 1.01, last=close + 1.0)
    account = "DU1234567"
    pnl = ib.reqPnL(account)
    single = ib.reqPnLSingle(account, "", CON_IDS["AAPL"])
    await client_until(ib, lambda: _known(pnl.dailyPnL) and _known(single.dailyPnL), what="P&L")
    assert pnl.dailyPnL == single.dailyPnL == 100.0  # 100 shares, up 1.00 on the day
    assert pnl.unrealizedPnL == round(100 * (close + 1.0 - 150.0), 2)
    assert (single.position, single.value) == (100, round(100 * (close + 1.0), 2))
    trade = ib.placeOrder(AAPL, MarketOrder("BUY", 10))
    await client_until(ib, lambda: trade.orderStatus.status == "Filled", what="the fill")
    # 10 more bought at the ask (close + 1.01) and marked at the last (close + 1.00), less the
    # commission (1.00): 100 - 0.10 - 1.00.
    await client_until(ib, lambda: pnl.dailyPnL == 98.9, what="P&L after the fill")
    assert single.dailyPnL == 98.9 and single.position == 110


@pytest.mark.asyncio
async def test_an_account_tws_gives_no_pnl_for_never_answers() -> None:
    with running_gateway(account_pnl=False) as gw:
        client = IB()
        await client.connectAsync("127.0.0.1", gw.port, clientId=3, timeout=4)
        try:
            pnl = client.reqPnL("DU1234567")
            await client.reqCurrentTimeAsync()  # answered after anything sent before it
            assert math.isnan(pnl.dailyPnL)
        finally:
            client.disconnect()
