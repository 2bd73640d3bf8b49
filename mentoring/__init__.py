"""The domain rules: sign-up, matching, meetings, hours, outcomes, targets, the digest's content."""
