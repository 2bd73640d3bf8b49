"""The domain model as tables. Personal data is kept to the minimum the README names
("People").

One module per subject (people, pairs, programme, messaging, coordination, events); every table is
re-exported here, so `from storage.models import Match` works wherever it is written, and
importing this package registers every table on `Base.metadata` (migrations compare against it).

Codes for target groups, situations, interests, outcome categories and job kinds refer to the
`lookups` table (data, not code: Danish reforms change them); their words live in templates/.
"""

from storage.models.base import NAMING, Base, created_col
from storage.models.coordination import (
    AuditEntry,
    Coordinator,
    DigestSend,
    InboxItem,
    Lease,
    LoginThrottle,
    Note,
)
from storage.models.events import Event, EventAction, EventGuest, GroupMember
from storage.models.ledger import CompanyContact, ContactLogEntry, OutreachSource
from storage.models.messaging import (
    ConversationState,
    FollowUp,
    InboundEvent,
    InboundKey,
    OutboxMessage,
)
from storage.models.pairs import CheckinAnswer, HoursReport, Match, Meeting, MeetingAnswer
from storage.models.people import (
    Consent,
    ContactPoint,
    ErasureLog,
    Invitation,
    Mentor,
    Person,
    Screening,
    Youth,
)
from storage.models.programme import Company, JobOpening, Lookup, Outcome, Programme
from storage.models.talk import PairTopic, RelayedMessage

__all__ = [
    "NAMING",
    "AuditEntry",
    "Base",
    "CheckinAnswer",
    "Company",
    "CompanyContact",
    "Consent",
    "ContactLogEntry",
    "ContactPoint",
    "ConversationState",
    "Coordinator",
    "DigestSend",
    "ErasureLog",
    "Event",
    "EventAction",
    "EventGuest",
    "FollowUp",
    "GroupMember",
    "HoursReport",
    "InboundEvent",
    "InboundKey",
    "InboxItem",
    "Invitation",
    "JobOpening",
    "Lease",
    "LoginThrottle",
    "Lookup",
    "Match",
    "Meeting",
    "MeetingAnswer",
    "Mentor",
    "Note",
    "OutboxMessage",
    "Outcome",
    "OutreachSource",
    "PairTopic",
    "Person",
    "Programme",
    "RelayedMessage",
    "Screening",
    "Youth",
    "created_col",
]
