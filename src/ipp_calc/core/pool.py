"""The high-performance pool (RULES.md sections 5–7): what went unearned or was forfeited,
who may earn it, how well each did against its targets, and the awards under the 105% cap.

Why rounds: an MCP's award may not take its IPP total above 5% of its capitation (42 CFR
438.6(b)(2)). Capping one plan frees money that the others may still take, so the pool is split,
over-cap plans are given exactly their room and leave, and the rest is split again among those
left, until nobody is over; what nobody can take is retained by the state, never lost.

Pure: scores, allocation and elections come in; a :class:`PoolResult` comes out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any, NamedTuple

from ipp_calc.core.allocation import Allocation, community_supports_offered
from ipp_calc.core.models import Election, MeasureSet
from ipp_calc.core.money import ZERO, ZeroWeightsError, floor_cents, money_text, round_cents, split, total
from ipp_calc.core.numbers import ratio6
from ipp_calc.core.scoring import ScoreResult


@dataclass(frozen=True, slots=True)
class Performance:
    """How an MCP did against its individualized targets in the performance submission."""

    value: Fraction
    pairs: int
    met: int
    method: str
    note: str


@dataclass(frozen=True, slots=True)
class PoolPlan:
    mcp: str
    eligible: bool
    reasons: tuple[str, ...]
    performance: Performance
    max_allocation: Decimal
    earned: Decimal
    recouped: Decimal
    room: Decimal | None  # None: no capitation given, so no cap
    award: Decimal
    capped: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "mcp": self.mcp,
            "eligible": self.eligible,
            "reasons": list(self.reasons),
            "performance": ratio6(self.performance.value),
            "award": money_text(self.award),
            "performance_note": self.performance.note,
            "targets_met": self.performance.met,
            "target_pairs": self.performance.pairs,
            "max_allocation": money_text(self.max_allocation),
            "earned": money_text(self.earned),
            "recouped": money_text(self.recouped),
            "room": money_text(self.room) if self.room is not None else None,
            "capped": self.capped,
        }


@dataclass(frozen=True, slots=True)
class PoolRound:
    """One split of what is left of the pool among the plans still in it."""

    number: int
    amount: Decimal
    shares: tuple[tuple[str, Decimal], ...]
    capped: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "round": self.number,
            "amount": money_text(self.amount),
            "shares": [{"mcp": m, "share": money_text(s)} for m, s in self.shares],
            "capped": list(self.capped),
        }


@dataclass(frozen=True)
class PoolResult:
    """``ipp pool``: ``to_json()`` is exactly its ``--format json``."""

    program_year: int
    unearned: Decimal
    forfeited: Decimal
    recouped_pooled: Decimal
    recouped_total: Decimal
    plans: tuple[PoolPlan, ...]
    rounds: tuple[PoolRound, ...]
    retained: Decimal
    method: str

    @property
    def pool(self) -> Decimal:
        return self.unearned + self.forfeited + self.recouped_pooled

    @property
    def awarded(self) -> Decimal:
        return total(p.award for p in self.plans)

    @cached_property
    def _plan_index(self) -> dict[str, PoolPlan]:
        return {p.mcp: p for p in self.plans}

    def plan(self, mcp: str) -> PoolPlan | None:
        return self._plan_index.get(mcp)  # indexed once: called per plan

    def to_json(self) -> dict[str, Any]:
        return {
            "program_year": self.program_year,
            "pool": money_text(self.pool),
            "sources": {
                "unearned": money_text(self.unearned),
                "forfeited": money_text(self.forfeited),
                "recouped": money_text(self.recouped_pooled),
            },
            "plans": [p.to_json() for p in self.plans],
            "retained": money_text(self.retained),
            "awarded": money_text(self.awarded),
            "method": self.method,
            "recouped_total": money_text(self.recouped_total),
            "rounds": [r.to_json() for r in self.rounds],
        }


# --------------------------------------------------------------------------- performance


def performance(ms: MeasureSet, score: ScoreResult | None) -> Performance:
    """``targets_met`` or ``attainment`` over the performance submission's target measures.

    The pairs are the (measure, county) rows of ``target`` measures that have a target; an
    unreported value counts as not met (attainment 0). No pairs: performance 0, with that note.
    """
    method = ms.program.pool.method
    cap = Fraction(ms.program.pool.attainment_cap)
    sub = ms.submission(ms.program.performance_submission)
    if score is None or sub is None:
        return Performance(Fraction(0), 0, 0, method, "no performance submission scored")
    kinds = {m.id: m for m in sub.measures}
    pairs = [r for r in score.measures if r.kind == "target" and r.target is not None]
    if not pairs:
        return Performance(Fraction(0), 0, 0, method, "no target measures with an approved target")
    met = sum(1 for r in pairs if r.met)
    if method == "targets_met":
        value = Fraction(met, len(pairs))
        note = f"{met} of {len(pairs)} targets met"
    else:
        parts: list[Fraction] = []
        for r in pairs:
            assert r.target is not None
            higher = kinds[r.measure].direction != "lower"
            parts.append(
                _attainment(r.value if isinstance(r.value, Decimal) else None, r.target, higher, cap, bool(r.met))
            )
        value = sum(parts, Fraction(0)) / len(parts)
        note = f"mean attainment over {len(pairs)} targets (cap {ms.program.pool.attainment_cap}); {met} met"
    return Performance(value, len(pairs), met, method, note)


def _attainment(value: Decimal | None, target: Decimal, higher: bool, cap: Fraction, met: bool) -> Fraction:
    """``min(cap, value/target)`` (``target/value`` when lower is better); RULES.md section 5."""
    if value is None:
        return Fraction(0)
    if target <= 0:
        return cap if met else Fraction(0)
    if higher:
        ratio = Fraction(value) / Fraction(target)
    else:
        if value == 0:
            return cap
        ratio = Fraction(target) / Fraction(value)
    return max(Fraction(0), min(cap, ratio))


# --------------------------------------------------------------------------- eligibility and awards


def eligibility_reasons(ms: MeasureSet, mcp: str, scores: Sequence[ScoreResult], election: Election) -> list[str]:
    """Every requirement an MCP fails (RULES.md section 5); empty means eligible."""
    reasons: list[str] = []
    for score in sorted(scores, key=lambda s: s.submission):
        if not score.filed:
            reasons.append(f"submission {score.submission}: no workbook filed, so no mandatory measure was reported")
        elif score.mandatory_missing:
            where = ", ".join(f"{m} ({c})" for m, c in score.mandatory_missing)
            reasons.append(f"submission {score.submission}: mandatory measures not reported: {where}")
    offered = len(community_supports_offered(election))
    minimum = ms.program.pool.min_community_supports
    if election.community_supports is None and minimum > 0:
        reasons.append(f"elections.yaml does not list the Community Supports it offers; at least {minimum} required")
    elif offered < minimum:
        reasons.append(f"offers {offered} Community Support{'s' if offered != 1 else ''}; at least {minimum} required")
    if election.corrective_action_plan:
        reasons.append("on a corrective action plan")
    return reasons


def recoupment(ms: MeasureSet, election: Election, scores: Sequence[ScoreResult]) -> Decimal:
    """RULES.md section 7: DHCS's recoupment fraction × the MCP's earned Payment 1 dollars.

    Payment 1 is the payment marked ``interim: true``; a program year that marks none recoups
    from its first payment (the lowest id), as the letter's Payment 1 is the first.
    """
    interim = {p.id for p in ms.program.payments if p.interim} or {min(p.id for p in ms.program.payments)}
    earned = total(d.earned for s in scores for d in (s.dollars or ()) if d.payment in interim)
    return round_cents(Fraction(election.recoupment) * Fraction(earned))


class _Standing(NamedTuple):
    """One plan before the pool is split: why it is not eligible (none: eligible), how it
    performed, what it earned, its room under the incentive limit (None: no cap), its maximum
    allocation (the pool weight's first factor)."""

    reasons: list[str]
    performance: Performance
    earned: Decimal
    room: Decimal | None
    max_allocation: Decimal


def run_pool(
    ms: MeasureSet,
    allocation: Allocation,
    elections: Mapping[str, Election],
    scores: Mapping[str, Sequence[ScoreResult]],
) -> PoolResult:
    """Pool, eligibility, performance and awards in capped rounds, for every MCP of the year."""
    program = ms.program
    unearned = total(d.unearned for ss in scores.values() for s in ss for d in (s.dollars or ()))
    forfeited = total(p.forfeited for p in allocation.plans)
    recouped = {m: recoupment(ms, elections[m], scores.get(m, ())) for m in allocation.mcps}
    recouped_total = total(recouped.values())
    pooled_recoupment = recouped_total if program.pool.recoupments_pooled else ZERO
    pool = unearned + forfeited + pooled_recoupment

    perf_sub = program.performance_submission
    limit = Fraction(program.incentive_limit.share_of_capitation)
    info: dict[str, _Standing] = {}
    for plan in allocation.plans:
        mine = scores.get(plan.mcp, ())
        reasons = eligibility_reasons(ms, plan.mcp, mine, elections[plan.mcp])
        perf = performance(ms, next((s for s in mine if s.submission == perf_sub), None))
        earned = total(s.earned for s in mine)
        cap = allocation.capitation.get(plan.mcp)
        room = max(ZERO, floor_cents(limit * Fraction(cap) - Fraction(earned))) if cap is not None else None
        info[plan.mcp] = _Standing(reasons, perf, earned, room, plan.max_allocation)

    weights = {
        m: Fraction(v.max_allocation) * v.performance.value
        for m, v in info.items()
        if not v.reasons and v.performance.value > 0
    }
    awards, rounds, retained = award_in_rounds(pool, weights, {m: v.room for m, v in info.items()})
    plans = tuple(
        PoolPlan(
            mcp=m,
            eligible=not v.reasons,
            reasons=tuple(v.reasons),
            performance=v.performance,
            max_allocation=v.max_allocation,
            earned=v.earned,
            recouped=recouped[m],
            room=v.room,
            award=awards.get(m, ZERO),
            capped=any(m in r.capped for r in rounds),
        )
        for m, v in sorted(info.items())
    )
    return PoolResult(
        program_year=program.program_year,
        unearned=unearned,
        forfeited=forfeited,
        recouped_pooled=pooled_recoupment,
        recouped_total=recouped_total,
        plans=plans,
        rounds=tuple(rounds),
        retained=retained,
        method=program.pool.method,
    )


def award_in_rounds(
    pool: Decimal, weights: Mapping[str, Fraction], rooms: Mapping[str, Decimal | None]
) -> tuple[dict[str, Decimal], list[PoolRound], Decimal]:
    """Split ``pool`` by ``weights``; plans given more than their room get exactly the room and
    leave; repeat with what is left. Returns awards, the rounds, and what is retained."""
    awards: dict[str, Decimal] = {}
    rounds: list[PoolRound] = []
    remaining = pool
    active = dict(sorted(weights.items()))
    while active and remaining > 0:
        try:
            shares = split(remaining, active)
        except ZeroWeightsError:
            break
        over = tuple(m for m, s in shares.items() if (room := rooms.get(m)) is not None and s > room)
        rounds.append(PoolRound(len(rounds) + 1, remaining, tuple(shares.items()), over))
        if not over:
            awards.update(shares)
            remaining = ZERO
            break
        for m in over:
            room = rooms[m]
            assert room is not None
            awards[m] = room
            remaining -= room
            del active[m]
    return awards, rounds, remaining
