"""Operators signing in: sessions, login, passwords, throttling, password change, devices, tenants."""
