"""The platform's batch analytics (批量分析) as queries in one SQL dialect that DuckDB (the
embedded engine) and Spark SQL (the distributed one) both run unchanged: the platform-wide
screens behind limit reviews, risk backtests, ring detection and the simulator's metrics.

The ledger is staged as plain tables (``STAGED``): money in integer minor units, times in whole
seconds since the epoch (UTC), flags as 0/1, so that every result is integers and strings and
the two engines can be compared exactly. A job's answer is rows, never ratios: the caller divides
(the engines round division differently). The queries use only what both dialects share: joins,
``GROUP BY``, ``CASE``, ``COALESCE``, ``LEAST``, ``FLOOR``, ``CAST``, ``UNION ALL``, ``WITH``,
``ROW_NUMBER() OVER``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.quota.purposes import FORBIDDEN_PURPOSES

#: The staged tables and their columns (name, type). ``ID`` columns name a party, a line or an
#: event: a scaled copy of the data (``--scale``) suffixes them, so copies never join each other.
STAGED: dict[str, tuple[tuple[str, str], ...]] = {
    "parties": (("id", "ID"), ("kind", "VARCHAR"), ("credit_score", "BIGINT")),
    "lines": (
        ("id", "ID"),
        ("party_id", "ID"),
        ("product", "VARCHAR"),
        ("status", "VARCHAR"),
        ("limit_minor", "BIGINT"),
        ("available", "BIGINT"),
        ("held", "BIGINT"),
        ("occupied", "BIGINT"),
        ("frozen", "BIGINT"),
        ("created_s", "BIGINT"),
    ),
    "holds": (
        ("line_id", "ID"),
        ("id", "ID"),
        ("status", "VARCHAR"),
        ("amount", "BIGINT"),
        ("purpose", "VARCHAR"),
        ("counterparty_id", "ID"),
        ("captured", "BIGINT"),
        ("refunded", "BIGINT"),
        ("score", "BIGINT"),  # the risk score an approval kept on its hold (NULL: not scored)
        ("created_s", "BIGINT"),
        ("updated_s", "BIGINT"),
    ),
    "occupancies": (
        ("line_id", "ID"),
        ("id", "ID"),
        ("amount", "BIGINT"),
        ("outstanding", "BIGINT"),
        ("captured_s", "BIGINT"),
    ),
    "orders": (
        ("id", "ID"),
        ("merchant_id", "ID"),
        ("buyer", "ID"),
        ("amount", "BIGINT"),
        ("returned", "BIGINT"),
        ("state", "VARCHAR"),
        ("created_s", "BIGINT"),
    ),
    "decisions": (
        ("party_id", "ID"),
        ("id", "ID"),
        ("event", "VARCHAR"),
        ("subject", "ID"),
        ("amount", "BIGINT"),
        ("outcome", "VARCHAR"),
        ("score", "BIGINT"),
        ("review", "VARCHAR"),
        ("created_s", "BIGINT"),
    ),
    "labels": (
        ("subject_kind", "VARCHAR"),
        ("subject_id", "ID"),
        ("label", "VARCHAR"),
        ("pattern", "VARCHAR"),
    ),
    "identifiers": (("party_id", "ID"), ("kind", "VARCHAR"), ("value", "ID")),
    "transfers": (
        ("line_id", "ID"),
        ("seq", "BIGINT"),
        ("movement", "VARCHAR"),
        ("debit_account", "VARCHAR"),
        ("credit_account", "VARCHAR"),
        ("amount", "BIGINT"),
        ("created_s", "BIGINT"),
    ),
}

_FORBIDDEN = ", ".join(f"'{p.value}'" for p in sorted(FORBIDDEN_PURPOSES))
#: Money that moved between two parties and stayed moved: spends (holder → counterparty) net of
#: refunds, and orders (buyer → merchant) net of returns.
_PAYMENTS = f"""
pay AS (
  SELECT h.id AS ref, l.party_id AS src, h.counterparty_id AS dst,
         h.captured - h.refunded AS amount, h.created_s AS at_s
  FROM holds h JOIN lines l ON l.id = h.line_id
  WHERE h.counterparty_id IS NOT NULL AND h.status <> 'declined'
    AND h.captured > h.refunded AND h.purpose NOT IN ({_FORBIDDEN})
  UNION ALL
  SELECT o.id, o.buyer, o.merchant_id, o.amount - o.returned, o.created_s
  FROM orders o WHERE o.buyer IS NOT NULL AND o.amount > o.returned
)"""
#: Every scored event: the decision rows, and the approvals kept on their hold rows.
_EVENTS = """
ev AS (
  SELECT d.subject, d.event, d.outcome, d.score, d.amount FROM decisions d
  UNION ALL
  SELECT h.id, 'spend', 'approve', h.score, h.amount FROM holds h WHERE h.score IS NOT NULL
)"""


@dataclass(frozen=True, slots=True)
class Job:
    """One batch job: what it is for (zh/en), its query and the columns it answers."""

    name: str
    zh: str
    en: str
    feeds: str  # the batch job it serves: reviews, backtests, rings, simulator
    columns: tuple[str, ...]
    query: str
    #: The columns in minor units of CNY (the staged ledger's currency).
    money: tuple[str, ...] = ()

    def sql(self, params: Mapping[str, int]) -> str:
        return self.query.format(**{k: int(v) for k, v in params.items()})


JOBS: dict[str, Job] = {
    j.name: j
    for j in (
        Job(
            "line_activity",
            "额度复审：每条额度的用信、拒绝、退款、销售与在途订单",
            "limit reviews: each line's use, declines, refunds, sales and open orders",
            "reviews",
            (
                "line_id",
                "party_id",
                "product",
                "status",
                "limit_minor",
                "used",
                "attempts",
                "declined",
                "spent",
                "refunded",
                "last_spend_s",
                "orders",
                "sales",
                "returned",
                "open_orders",
                "outstanding",
                "oldest_open_s",
            ),
            """
SELECT l.id, l.party_id, l.product, l.status, l.limit_minor, l.held + l.occupied,
       COALESCE(s.attempts, 0), COALESCE(s.declined, 0), COALESCE(s.spent, 0),
       COALESCE(s.refunded, 0), a.last_spend_s,
       COALESCE(o.orders, 0), COALESCE(o.sales, 0), COALESCE(o.returned, 0),
       COALESCE(oc.open_orders, 0), COALESCE(oc.outstanding, 0), oc.oldest_open_s
FROM lines l
LEFT JOIN (
  SELECT line_id, COUNT(*) AS attempts,
         SUM(CASE WHEN status = 'declined' THEN 1 ELSE 0 END) AS declined,
         SUM(captured) AS spent, SUM(refunded) AS refunded
  FROM holds WHERE created_s >= {window_start} AND created_s <= {now} GROUP BY line_id
) s ON s.line_id = l.id
LEFT JOIN (
  SELECT line_id, MAX(created_s) AS last_spend_s FROM holds
  WHERE status <> 'declined' AND created_s <= {now} GROUP BY line_id
) a ON a.line_id = l.id
LEFT JOIN (
  SELECT merchant_id, COUNT(*) AS orders, SUM(amount) AS sales, SUM(returned) AS returned
  FROM orders WHERE created_s >= {window_start} AND created_s <= {now} GROUP BY merchant_id
) o ON o.merchant_id = l.party_id AND l.product = 'merchant_bnpl'
LEFT JOIN (
  SELECT line_id, COUNT(*) AS open_orders, SUM(outstanding) AS outstanding,
         MIN(captured_s) AS oldest_open_s
  FROM occupancies WHERE outstanding > 0 GROUP BY line_id
) oc ON oc.line_id = l.id
ORDER BY l.id""",
            money=("limit_minor", "used", "spent", "refunded", "sales", "returned", "outstanding"),
        ),
        Job(
            "decision_outcomes",
            "风控回测：各结论、标签与手法的事件数与金额",
            "risk backtests: events and amounts by outcome, label and pattern",
            "backtests",
            ("event", "outcome", "label", "pattern", "events", "amount", "reviewed"),
            f"""
WITH {_EVENTS.strip()},
rev AS (SELECT subject, review FROM decisions)
SELECT ev.event, ev.outcome, COALESCE(lb.label, 'unlabelled'), COALESCE(lb.pattern, ''),
       CAST(COUNT(*) AS BIGINT), CAST(SUM(ev.amount) AS BIGINT), CAST(0 AS BIGINT)
FROM ev LEFT JOIN labels lb ON lb.subject_kind = 'event' AND lb.subject_id = ev.subject
GROUP BY ev.event, ev.outcome, COALESCE(lb.label, 'unlabelled'), COALESCE(lb.pattern, '')
UNION ALL
SELECT 'review', r.review, COALESCE(lb.label, 'unlabelled'), COALESCE(lb.pattern, ''),
       CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(COUNT(*) AS BIGINT)
FROM rev r LEFT JOIN labels lb ON lb.subject_kind = 'event' AND lb.subject_id = r.subject
WHERE r.review <> 'none'
GROUP BY r.review, COALESCE(lb.label, 'unlabelled'), COALESCE(lb.pattern, '')
ORDER BY 1, 2, 3, 4""",
            money=("amount",),
        ),
        Job(
            "score_bands",
            "风控回测：按十分一档的风险分统计欺诈与正常事件",
            "risk backtests: fraud and cleared events by risk score band of ten",
            "backtests",
            ("band", "events", "fraud", "cleared", "unlabelled"),
            f"""
WITH {_EVENTS.strip()}
SELECT CAST(FLOOR(ev.score / 10) AS BIGINT) AS band, COUNT(*),
       SUM(CASE WHEN lb.label = 'fraud' THEN 1 ELSE 0 END),
       SUM(CASE WHEN lb.label = 'cleared' THEN 1 ELSE 0 END),
       SUM(CASE WHEN lb.label IS NULL THEN 1 ELSE 0 END)
FROM ev LEFT JOIN labels lb ON lb.subject_kind = 'event' AND lb.subject_id = ev.subject
GROUP BY CAST(FLOOR(ev.score / 10) AS BIGINT)
ORDER BY 1""",
        ),
        Job(
            "shared_identifiers",
            "团伙识别：被多个主体共用的设备、手机号、银行卡、地址与IP",
            "ring detection: devices, phones, accounts, addresses and IPs several parties share",
            "rings",
            ("kind", "value", "parties"),
            """
SELECT kind, value, COUNT(DISTINCT party_id) AS parties FROM identifiers
GROUP BY kind, value HAVING COUNT(DISTINCT party_id) >= 2
ORDER BY 3 DESC, 1, 2""",
        ),
        Job(
            "linked_pairs",
            "团伙识别：共用标识的主体对",
            "ring detection: pairs of parties tied by identifiers they share (an identifier so "
            "widely shared that it ties no one, a mall's Wi-Fi, is left out, as the ring job does)",
            "rings",
            ("party_a", "party_b", "shared", "kinds"),
            """
WITH tying AS (
  SELECT kind, value FROM identifiers GROUP BY kind, value
  HAVING COUNT(DISTINCT party_id) <= CASE kind WHEN 'address' THEN {most_address}
                                              WHEN 'login_ip' THEN {most_login_ip}
                                              ELSE {most_strong} END
), ids AS (
  SELECT i.party_id, i.kind, i.value FROM identifiers i
  JOIN tying t ON t.kind = i.kind AND t.value = i.value
)
SELECT a.party_id, b.party_id, COUNT(*), COUNT(DISTINCT a.kind)
FROM ids a JOIN ids b ON a.kind = b.kind AND a.value = b.value AND a.party_id < b.party_id
GROUP BY a.party_id, b.party_id
ORDER BY 1, 2""",
        ),
        Job(
            "money_cycles",
            "团伙识别：资金在期限内回流的两方闭环",
            "ring detection: two-party money cycles: of what one party paid the other, the share "
            "that came back within the horizon (each return counted once)",
            "rings",
            ("party_a", "party_b", "payments", "sent", "returned", "first_s"),
            f"""
WITH {_PAYMENTS.strip()},
sent AS (
  SELECT src, dst, COUNT(*) AS payments, SUM(amount) AS sent, MIN(at_s) AS first_s
  FROM pay WHERE amount >= {{cycle_min}} AND src <> dst GROUP BY src, dst
),
came_back AS (
  SELECT DISTINCT q.ref, q.src, q.dst, q.amount, q.at_s
  FROM pay q JOIN pay p
    ON p.src = q.dst AND p.dst = q.src AND p.amount >= {{cycle_min}}
   AND q.at_s >= p.at_s AND q.at_s <= p.at_s + {{horizon}}
),
back AS (SELECT src, dst, SUM(amount) AS back FROM came_back GROUP BY src, dst)
SELECT s.src, s.dst, s.payments, s.sent, LEAST(b.back, s.sent), s.first_s
FROM sent s JOIN back b ON b.src = s.dst AND b.dst = s.src
WHERE LEAST(b.back, s.sent) * 100 >= s.sent * {{cycle_share}}
ORDER BY 1, 2""",
            money=("sent", "returned"),
        ),
        Job(
            "refund_bursts",
            "团伙识别：同一店铺任意7天内多名持有人的快速退款或被拒（每店最密集的一段）",
            "ring detection: each shop's densest 7 days of quick refunds or declines by several "
            "holders (the ring job's rule, flows.dense_bursts)",
            "rings",
            ("shop", "window_s", "holders", "spends", "quick", "amount"),
            f"""
WITH sp AS (
  SELECT h.counterparty_id AS shop, l.party_id AS holder, h.amount, h.created_s AS at_s,
         h.id AS ref,
         CASE WHEN h.status = 'declined'
                OR (h.refunded > 0 AND h.updated_s - h.created_s <= {{quick_refund}})
              THEN 1 ELSE 0 END AS quick
  FROM holds h JOIN lines l ON l.id = h.line_id
  WHERE h.counterparty_id IS NOT NULL AND h.purpose NOT IN ({_FORBIDDEN})
),
shops AS (
  SELECT shop FROM sp GROUP BY shop
  HAVING SUM(quick) >= {{burst_holders}} AND SUM(quick) * 100 >= COUNT(*) * {{burst_share}}
),
win AS (
  SELECT a.shop, a.at_s AS start_s, a.ref AS anchor,
         COUNT(DISTINCT CASE WHEN s.quick = 1 THEN s.holder END) AS holders,
         COUNT(*) AS spends, SUM(s.quick) AS quick,
         SUM(CASE WHEN s.quick = 1 THEN s.amount ELSE 0 END) AS amount
  FROM sp a JOIN shops k ON k.shop = a.shop
  JOIN sp s ON s.shop = a.shop AND s.at_s >= a.at_s AND s.at_s <= a.at_s + {{burst_window}}
  WHERE a.quick = 1
  GROUP BY a.shop, a.at_s, a.ref
  HAVING COUNT(DISTINCT CASE WHEN s.quick = 1 THEN s.holder END) >= {{burst_holders}}
     AND SUM(s.quick) * 100 >= COUNT(*) * {{burst_share}}
),
densest AS (
  SELECT shop, start_s, holders, spends, quick, amount,
         ROW_NUMBER() OVER (PARTITION BY shop ORDER BY holders DESC, start_s, anchor) AS n
  FROM win
)
SELECT shop, start_s, holders, spends, quick, amount FROM densest WHERE n = 1
ORDER BY 1, 2""",
            money=("amount",),
        ),
        Job(
            "daily_metrics",
            "模拟器指标：每日用信、拒绝、订单与销售",
            "simulator metrics: each day's spends, declines, orders and sales",
            "simulator",
            ("day", "attempts", "approved", "declined", "captured", "orders", "sales", "returned"),
            """
WITH s AS (
  SELECT CAST(FLOOR((created_s + 28800) / 86400) AS BIGINT) AS day, COUNT(*) AS attempts,
         SUM(CASE WHEN status = 'declined' THEN 0 ELSE 1 END) AS approved,
         SUM(CASE WHEN status = 'declined' THEN 1 ELSE 0 END) AS declined,
         SUM(captured) AS captured
  FROM holds GROUP BY CAST(FLOOR((created_s + 28800) / 86400) AS BIGINT)
), o AS (
  SELECT CAST(FLOOR((created_s + 28800) / 86400) AS BIGINT) AS day, COUNT(*) AS orders,
         SUM(amount) AS sales, SUM(returned) AS returned
  FROM orders GROUP BY CAST(FLOOR((created_s + 28800) / 86400) AS BIGINT)
), d AS (SELECT day FROM s UNION SELECT day FROM o)
SELECT d.day, COALESCE(s.attempts, 0), COALESCE(s.approved, 0), COALESCE(s.declined, 0),
       COALESCE(s.captured, 0), COALESCE(o.orders, 0), COALESCE(o.sales, 0),
       COALESCE(o.returned, 0)
FROM d LEFT JOIN s ON s.day = d.day LEFT JOIN o ON o.day = d.day
ORDER BY 1""",
            money=("captured", "sales", "returned"),
        ),
        Job(
            "ledger_totals",
            "账本汇总：各类分录的笔数与金额，各账户的净额",
            "the ledger's totals: transfers and amounts by movement, each account's net",
            "simulator",
            ("movement", "debit_account", "credit_account", "transfers", "amount"),
            """
SELECT movement, debit_account, credit_account, COUNT(*), SUM(amount)
FROM transfers GROUP BY movement, debit_account, credit_account
UNION ALL
SELECT 'net', account, '', COUNT(*), SUM(amount) FROM (
  SELECT debit_account AS account, -amount AS amount FROM transfers
  UNION ALL
  SELECT credit_account, amount FROM transfers
) x GROUP BY account
ORDER BY 1, 2, 3""",
            money=("amount",),
        ),
    )
}


def chosen(names: list[str] | None) -> list[Job]:
    """The jobs named (all of them when none is), refusing an unknown name."""
    if not names:
        return list(JOBS.values())
    unknown = [n for n in names if n not in JOBS]
    if unknown:
        raise InvalidInput("job", f"unknown job {unknown[0]!r}; the jobs are {', '.join(JOBS)}")
    return [JOBS[n] for n in dict.fromkeys(names)]


def analytics_jobs() -> list[dict[str, Any]]:
    """The jobs, for a listing: name, what it serves, its zh/en purpose and its columns."""
    return [
        {
            "name": j.name,
            "feeds": j.feeds,
            "zh": j.zh,
            "en": j.en,
            "columns": list(j.columns),
            "money": list(j.money),
        }
        for j in JOBS.values()
    ]
