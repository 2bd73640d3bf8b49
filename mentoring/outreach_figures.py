"""The business side's figures for the digest and the report: job openings per origin, where
youths and mentors come from (per outreach source), and the one-year condition of the pairs
whose mentor came through Code of Care. Each says what it counts, over what, as of when."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.statuses import MATCHED, OpeningStatus, PartnerKind
from mentoring.outreach import SourceFigures, where_they_come_from
from storage.models import Company, JobOpening, Match, Mentor, Programme, Youth


@dataclass(frozen=True)
class OutreachFigures:
    # Job openings the job_openings target counts (created in the programme period up to the
    # measuring date, a mentor's unconfirmed lead left out), per origin ("" when not given).
    openings_by_origin: dict[str, int] = field(default_factory=dict)
    # Per source: youths and mentors signed up by the measuring moment, matched, completed.
    sources: list[SourceFigures] = field(default_factory=list)
    # Pairs formed by the measuring moment whose mentor's company is a Code of Care partner,
    # and of them those whose youth has been out of job and education for more than a year
    # (their own answer); `coc_unknown` of them not asked or "don't know". Pair ids.
    coc_pairs: tuple[int, ...] = ()
    coc_one_year: tuple[int, ...] = ()
    coc_unknown: tuple[int, ...] = ()

    @property
    def one_year_share(self) -> float | None:
        """coc_one_year of coc_pairs, in per cent (None with no such pair)."""
        return 100 * len(self.coc_one_year) / len(self.coc_pairs) if self.coc_pairs else None


async def outreach_figures(
    session: AsyncSession, programme: Programme, as_of: datetime, today: date
) -> OutreachFigures:
    last = min(programme.ends_on, today)
    origins = Counter(
        origin or ""
        for origin in await session.scalars(
            select(JobOpening.origin).where(
                JobOpening.programme_id == programme.id,
                JobOpening.status != OpeningStatus.PROPOSED,
                JobOpening.created_on >= programme.starts_on,
                JobOpening.created_on <= last,
            )
        )
    )
    rows = (
        await session.execute(
            _coc_pairs().where(
                Match.programme_id == programme.id,
                Match.status.in_(MATCHED),
                Match.accepted_at <= as_of,
            )
        )
    ).all()
    return OutreachFigures(
        openings_by_origin=dict(sorted(origins.items())),
        sources=await where_they_come_from(session, programme.id, as_of),
        coc_pairs=tuple(r[0] for r in rows),
        coc_one_year=tuple(r[0] for r in rows if r[1] is True),
        coc_unknown=tuple(r[0] for r in rows if r[1] is None),
    )


def _coc_pairs() -> Select[int, bool | None]:
    """Pairs whose mentor's company is a Code of Care partner, with the youth's one-year answer."""
    return (
        select(Match.id, Youth.unemployed_over_year)
        .join(Youth, Youth.person_id == Match.youth_id)
        .join(Mentor, Mentor.person_id == Match.mentor_id)
        .join(Company, Company.id == Mentor.company_id)
        .where(Company.partner_kind == PartnerKind.CODE_OF_CARE)
        .order_by(Match.id)
    )


async def code_of_care_answers(
    session: AsyncSession, match_ids: Sequence[int]
) -> dict[int, bool | None]:
    """Of these pairs, those whose mentor came through Code of Care (the mentor's company is a
    Code of Care partner now), each with the youth's one-year answer (None: not asked or
    "don't know"), so the pair page and the pairs list can mark them."""
    if not match_ids:
        return {}
    rows = await session.execute(_coc_pairs().where(Match.id.in_(match_ids)))
    return {match_id: answer for match_id, answer in rows.all()}
