"""Reports, the owner's view: the figures and the per-opening export, aggregated from appeal_events."""
