"""Follow-ups: which FollowUp rows exist when, and what to do when one is due.

Follow-ups are domain rows with a unique key (README, "Outbox and follow-ups"), so a rescheduled
meeting moves its reminders, a cancelled one drops them, and nothing is sent twice. Three jobs,
one module each:

- `planning`: the `on_*` hooks the services call in the same transaction as their change;
- `acting`: `act`, called by the sweep (mentoring/sweep.py) for each claimed due row, decides
  whether the follow-up still makes sense *now* (late rows after downtime are sent if still
  meaningful, otherwise dropped with a log line) and says or asks it;
- `questions`: the questions rows ask, rebuilt from the database each time they are asked;
with `rows` (creating, moving, dropping and listing rows) and `context` (what acting works with)
under them.

Rules (defaults; the numbers live in mentoring/rules.py): the mentor is asked to accept at once,
reminded after 72 h, and the coordinator is flagged 48 h later (the accept flow itself welcomes
both sides at once, so no follow-up introduces them); meetings get reminders 24 h and 2 h before
and a "was it held, how many hours?" 3 h after the start; 14 days without a meeting nudges
both, 21 days flags the pair at risk; on day 20 of each local month hours below the programme's
commitment nudge both; a check-in after 6 weeks; closure on the end date; the outcome survey
3 months after the end with the coordinator asked 7 days later if unanswered. A youth still
without a pair 6 weeks after signing up is asked whether we may write later; if yes, the same
survey goes to them at sign-up + pair months + 3 months (the committee's comparison).
Questions (meeting held, check-in, closure) climb the silent-partner ladder: reminder after
3 days, a second after 6, a coordinator flag after 9. A question sent on Telegram and unanswered
after 48 h is sent again by SMS to a verified number. The coordinator's own call cadence is the
digest's (mentoring/digest.py reads calls from the audit log), so it has no rows here.
"""

from mentoring.followups.acting import act
from mentoring.followups.context import Ctx, Result
from mentoring.followups.planning import (
    on_match_accepted,
    on_match_closed,
    on_match_created,
    on_match_extended,
    on_meeting_changed,
    on_pair_imported,
    on_youth_signed_up,
    plan_unmatched_survey,
)
from mentoring.followups.rows import drop_pending, due_within, hold, on_day, release, schedule

__all__ = [
    "Ctx",
    "Result",
    "act",
    "drop_pending",
    "due_within",
    "hold",
    "on_day",
    "on_match_accepted",
    "on_match_closed",
    "on_match_created",
    "on_match_extended",
    "on_meeting_changed",
    "on_pair_imported",
    "on_youth_signed_up",
    "plan_unmatched_survey",
    "release",
    "schedule",
]
