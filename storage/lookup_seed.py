"""Lookup rows the first migration seeds: codes and attributes only; words live in templates/."""

from typing import Any

LOOKUPS: list[tuple[str, str, int, dict[str, Any]]] = [
    # Target groups; ages bound the youth's age at sign-up.
    ("target_group", "g0", 1, {"min_age": 15, "max_age": 17}),
    ("target_group", "g1", 2, {"min_age": 18, "max_age": 29}),
    ("target_group", "g2", 3, {"min_age": 18, "max_age": 29}),
    ("target_group", "student", 4, {"min_age": 15, "max_age": 29}),
    # What the youth tells us about their situation, and the group it suggests.
    ("situation", "unemployed", 1, {"target_group": "g1", "min_age": 18}),
    ("situation", "student_at_risk", 2, {"target_group": "student"}),
    ("situation", "school_under_18", 3, {"target_group": "g0", "max_age": 17}),
    # Where a youth stands 3 months after; flags say which target each counts towards.
    ("outcome", "education", 1, {"self_supporting": True, "in_education": True}),
    ("outcome", "ordinary_job", 2, {"self_supporting": True}),
    ("outcome", "praktik", 3, {"subsidised": True}),
    ("outcome", "loentilskud", 4, {"subsidised": True}),
    ("outcome", "smaajob", 5, {"subsidised": True}),
    ("outcome", "still_in_school", 6, {"in_education": True}),
    ("outcome", "none", 7, {}),
    # Kinds of job opening.
    ("job_kind", "ordinary_job", 1, {}),
    ("job_kind", "smaajob", 2, {}),
    ("job_kind", "praktik", 3, {}),
    ("job_kind", "loentilskud", 4, {}),
    ("job_kind", "fritidsjob", 5, {}),
    ("job_kind", "laereplads", 6, {}),
    # Interests of youths and industries of mentors share one list.
    ("interest", "it", 1, {}),
    ("interest", "retail", 2, {}),
    ("interest", "construction", 3, {}),
    ("interest", "health", 4, {}),
    ("interest", "transport", 5, {}),
    ("interest", "hospitality", 6, {}),
    ("interest", "crafts", 7, {}),
    ("interest", "office", 8, {}),
    ("interest", "creative", 9, {}),
    ("interest", "industry", 10, {}),
    ("interest", "green", 11, {}),
    ("interest", "sports", 12, {}),
    # Why a match ended.
    ("end_reason", "completed", 1, {}),
    ("end_reason", "youth_job_or_education", 2, {}),
    ("end_reason", "youth_stopped", 3, {}),
    ("end_reason", "mentor_stopped", 4, {}),
    ("end_reason", "no_contact", 5, {}),
    ("end_reason", "rematch", 6, {}),
    ("end_reason", "other", 7, {}),
]
