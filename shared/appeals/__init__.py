"""Appeals: the list, search, detail, triage, lifecycle, answers, the change feed, their SQL and models."""
