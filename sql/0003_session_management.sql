-- Login throttling: every login attempt (and wrong current password on a password change).
CREATE TABLE login_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login_key text NOT NULL,          -- lower(trimmed login), whether or not such an operator exists
    source_ip text NOT NULL,          -- from API Gateway's request context, never a client header
    succeeded boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_account_idx ON login_attempts (login_key, created_at);
CREATE INDEX login_attempts_ip_idx ON login_attempts (source_ip, created_at) WHERE NOT succeeded;
CREATE INDEX login_attempts_created_idx ON login_attempts (created_at);
