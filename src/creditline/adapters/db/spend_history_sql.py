"""The history of one request in one statement (the risk features' SQL, 风控特征): the line's
running totals now and at the start of each window, and the party's orders, logins, links,
withdrawals and rings. Read alone, or on PostgreSQL behind the line's lock in its round trip
(``SqlLines.lock_line``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from creditline.adapters.db.hotpath import Statement, db_time
from creditline.adapters.db.schema_risk import CUMULATIVE
from creditline.domain.risk.decisions import decision_id_floor

# The history features of one spend in one round trip: the line's spends over four windows,
# the merchant's orders, the party's logins and how many parties share an identifier with it.
_CUM = ", ".join(CUMULATIVE)


def _newest(alias: str, bound: str | None) -> str:
    """The running totals of the line's newest hold (before ``bound``): one index seek."""
    before = f" AND created_at < :{bound}" if bound else ""
    return (
        f"LEFT JOIN (SELECT {_CUM} FROM holds WHERE line_id = :line_id{before} "  # noqa: S608
        f"ORDER BY created_at DESC, cum_attempts DESC LIMIT 1) {alias} ON 1 = 1 "
    )


# The history features of one request in one statement, cost independent of how busy the
# line is: the running totals now and at the start of each window (1 h, 24 h, 7 d, 30 d), the
# refunds, the merchant's orders, the party's logins, and how many parties share an
# identifier with it.
SPEND_FEATURES = Statement(
    "SELECT "  # noqa: S608 - fixed text
    + ", ".join(f"{a}.{c}" for a in ("n", "b1", "b24", "b7", "b30") for c in CUMULATIVE)
    + ", rr.n_refunds, oo.n_orders, oo.n_returns, gg.n_logins, gg.n_new_devices, gg.n_ips, "
    "kk.n_links, ww.n_withdrawals_24h, ww.n_withdrawals_7d, rg.n_rings, mv.model_seq "
    "FROM (SELECT 1 AS one) one "
    + _newest("n", None)
    + _newest("b1", "t_hour")
    + _newest("b24", "t_day")
    + _newest("b7", "t_week")
    + _newest("b30", "t_month")
    + "CROSS JOIN (SELECT count(*) AS n_refunds FROM holds r WHERE r.line_id = :line_id "
    " AND r.refunded > 0 AND r.created_at >= :t_month) rr "
    "CROSS JOIN (SELECT count(*) AS n_orders, "
    " coalesce(sum(CASE WHEN o.returned > 0 THEN 1 ELSE 0 END), 0) AS n_returns "
    " FROM orders o WHERE o.merchant_id = :party_id AND o.created_at >= :t_month) oo "
    "CROSS JOIN (SELECT count(*) AS n_logins, "
    " coalesce(sum(CASE WHEN g.device_new THEN 1 ELSE 0 END), 0) AS n_new_devices, "
    " count(DISTINCT g.ip) AS n_ips "
    " FROM logins g WHERE g.party_id = :party_id AND g.at >= :t_day) gg "
    "CROSS JOIN (SELECT count(*) AS n_links FROM party_identifiers a JOIN party_identifiers b "
    " ON b.kind = a.kind AND b.value = a.value AND b.party_id <> a.party_id "
    " WHERE a.party_id = :party_id) kk "
    # Every withdrawal attempt is a decision row, refused ones too (the refusal commits with
    # its key); decision ids sort by time within the party, so the key's range is the window.
    "CROSS JOIN (SELECT coalesce(sum(CASE WHEN w.id >= :d_day THEN 1 ELSE 0 END), 0) "
    " AS n_withdrawals_24h, count(*) AS n_withdrawals_7d FROM risk_decisions w "
    " WHERE w.party_id = :party_id AND w.id >= :d_week AND w.event = 'withdrawal') ww "
    # issue 17: whether the party is in a ring the ring job found, and the live model's version
    "CROSS JOIN (SELECT count(*) AS n_rings FROM ring_members m WHERE m.party_id = :party_id) rg "
    "CROSS JOIN (SELECT coalesce(max(version), 0) AS model_seq FROM risk_models) mv"
)


def spend_feature_params(
    line_id: str | None, party_id: str, now: datetime, dialect: str
) -> dict[str, Any]:
    """The parameters of ``SPEND_FEATURES`` for a request at ``now``."""
    return {
        "line_id": line_id or "",
        "party_id": party_id,
        "d_day": decision_id_floor(party_id, now - timedelta(hours=24)),
        "d_week": decision_id_floor(party_id, now - timedelta(days=7)),
        **{
            name: db_time(now - delta, dialect)
            for name, delta in (
                ("t_hour", timedelta(hours=1)),
                ("t_day", timedelta(hours=24)),
                ("t_week", timedelta(days=7)),
                ("t_month", timedelta(days=30)),
            )
        },
    }
