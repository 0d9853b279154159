"""The foundation: connection, settings, secrets, errors, logs, metrics, traces, jobs, migrations, SQL helpers."""
