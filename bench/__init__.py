"""`make bench`: what the operator waits for, measured against the floor of this machine."""
