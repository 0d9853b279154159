"""Small real HTTP servers standing in for third-party services (reached through production code)."""
