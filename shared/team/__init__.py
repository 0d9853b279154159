"""The operator's team: colleagues, promos, quick replies, their SQL and models."""
