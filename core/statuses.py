"""The states a row can be in, one type each, shared by the tables, the domain and the templates.

A `StrEnum` member is the string it stands for (`MatchStatus.ACTIVE == "active"`), so the
database stores, and a template compares, the plain word. Contact point states belong to their
state machine (mentoring/contacts.py); coordinator inbox kinds to mentoring/inbox.py.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who a person is in the programme; `unknown` until sign-up says."""

    YOUTH = "youth"
    MENTOR = "mentor"
    UNKNOWN = "unknown"


class PersonStatus(StrEnum):
    SIGNING_UP = "signing_up"
    ACTIVE = "active"
    PAUSED = "paused"  # asked to stop: nothing is sent until they write again
    ERASED = "erased"  # personal data removed; the row stays for the figures

    @property
    def reachable(self) -> bool:
        """Whether the programme may write to the person at all."""
        return self not in (PersonStatus.PAUSED, PersonStatus.ERASED)


class ConsentKind(StrEnum):
    """What a person said yes to; each is recorded, dated and withdrawable on its own."""

    SHARE_WITH_MENTOR = "share_with_mentor"  # the youth's details go to their mentor
    CONTACT_LATER = "contact_later"  # the outcome survey although never matched


class Approval(StrEnum):
    """A mentor's screening outcome."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CoordinatorRole(StrEnum):
    """What a dashboard login may do: a coordinator everything; a viewer (the steering group,
    the Task Force) reads figures and lists without contact details and changes nothing."""

    COORDINATOR = "coordinator"
    VIEWER = "viewer"


class InboundState(StrEnum):
    """An inbound journal row (storage.models.InboundEvent)."""

    PENDING = "pending"  # recorded and answered, not handled yet
    DONE = "done"  # handled, in the transaction that wrote what it caused
    DEAD = "dead"  # raised on every try: left to the coordinator (inbox kind inbound_failed)


class MatchStatus(StrEnum):
    PROPOSED = "proposed"  # waiting for the mentor to accept
    ACTIVE = "active"
    COMPLETED = "completed"  # ran to its end date
    ENDED_EARLY = "ended_early"
    DECLINED = "declined"  # the mentor said no; never counted as a match


# A pair that was formed (the mentor accepted), whatever became of it: the digest's matches.
MATCHED: tuple[MatchStatus, ...] = (
    MatchStatus.ACTIVE,
    MatchStatus.COMPLETED,
    MatchStatus.ENDED_EARLY,
)
# A pair that is over.
ENDED: tuple[MatchStatus, ...] = (MatchStatus.COMPLETED, MatchStatus.ENDED_EARLY)
# A pair that holds a mentor's place and the youth's one open match.
OPEN: tuple[MatchStatus, ...] = (MatchStatus.PROPOSED, MatchStatus.ACTIVE)


class MeetingStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    HELD = "held"
    NO_SHOW = "no_show"


# A meeting still ahead, to be reminded of and asked about.
UPCOMING: tuple[MeetingStatus, ...] = (MeetingStatus.PROPOSED, MeetingStatus.CONFIRMED)
# A meeting that is or was planned: it restarts the pair's no-meeting clock.
PLANNED: tuple[MeetingStatus, ...] = (*UPCOMING, MeetingStatus.HELD)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a dispatcher
    SENT = "sent"
    DELIVERED = "delivered"  # the provider confirmed it
    FAILED = "failed"  # the provider gave up on it
    DEAD = "dead"  # every retry failed


# Handed to the provider (and not known to have failed).
SENT: tuple[OutboxStatus, ...] = (OutboxStatus.SENT, OutboxStatus.DELIVERED)
# Not yet handed over.
QUEUED: tuple[OutboxStatus, ...] = (OutboxStatus.PENDING, OutboxStatus.SENDING)
# Will never arrive.
UNDELIVERED: tuple[OutboxStatus, ...] = (OutboxStatus.FAILED, OutboxStatus.DEAD)


class FollowUpState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    DROPPED = "dropped"  # no longer made sense when due (the reason is logged)
    HELD = "held"  # the pair is on hold (a guardian objected): kept, not acted on, until lifted


class CheckinKind(StrEnum):
    CHECKIN = "checkin"  # six weeks in
    CLOSURE = "closure"  # on the end date


class EventKind(StrEnum):
    """What an event is for (issue #20): each kind is a sheet of the report."""

    COMPANY_EVENT = "company_event"
    TO_CARE_OR_NOT = "to_care_or_not"  # the big conference for companies
    MENTOR_TRAINING = "mentor_training"
    TASK_FORCE = "task_force"  # a Task Force meeting
    STEERING_GROUP = "steering_group"  # a steering group meeting
    CASEWORKER_INFO = "caseworker_info"  # an information meeting for caseworkers


# Meetings of the two groups: they have minutes and decided actions.
GROUP_MEETINGS: tuple[EventKind, ...] = (EventKind.TASK_FORCE, EventKind.STEERING_GROUP)


class Rsvp(StrEnum):
    """A guest's answer to an invitation."""

    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


# The types templates compare with (`{% if p.role == Role.MENTOR %}`): the renderer makes each
# a global under its name.
TEMPLATE_GLOBALS: dict[str, type[StrEnum]] = {
    t.__name__: t
    for t in (
        Role,
        PersonStatus,
        Approval,
        CoordinatorRole,
        MatchStatus,
        MeetingStatus,
        OutboxStatus,
        FollowUpState,
        CheckinKind,
        EventKind,
        Rsvp,
    )
}


class OpeningStatus(StrEnum):
    """A job opening's state. `proposed` is a mentor's lead awaiting the coordinator: it counts
    for the job_openings target only once confirmed (then `open`)."""

    PROPOSED = "proposed"
    OPEN = "open"
    FILLED = "filled"
    WITHDRAWN = "withdrawn"


class PartnerKind(StrEnum):
    """The partnership agreement a company is covered by (none: outside the partnerships)."""

    CODE_OF_CARE = "code_of_care"
    OTHER = "other"
