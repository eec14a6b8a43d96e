-- The staff side: accounts, server-side sessions, login throttling, TOTP recovery codes,
-- settings, and an append-only audit log that the database itself refuses to change.

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL DEFAULT '',
    role                TEXT NOT NULL CHECK (role IN ('editor', 'reviewer', 'admin')),
    password_hash       TEXT NOT NULL,
    -- Base32 TOTP secret once enrolment is confirmed; the pending one during enrolment.
    totp_secret         TEXT,
    totp_pending        TEXT,
    disabled_at         TIMESTAMP,
    password_changed_at TIMESTAMP NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE recovery_codes (
    user_id     BIGINT NOT NULL REFERENCES users (id),
    code_hash   TEXT NOT NULL,
    used_at     TIMESTAMP,
    PRIMARY KEY (user_id, code_hash)
);

-- The cookie carries a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    user_id       BIGINT REFERENCES users (id),
    stage         TEXT NOT NULL CHECK (stage IN ('anonymous', 'totp', 'enrol', 'full')),
    csrf_token    TEXT NOT NULL,
    flash         TEXT,
    address       TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Failed sign-ins in a row, per account name (known or not) and per client address.
CREATE TABLE login_throttle (
    key           TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL DEFAULT 0,
    locked_until  TIMESTAMP,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL,
    actor_id    BIGINT,
    address     TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target      TEXT NOT NULL DEFAULT '',
    summary     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_action ON audit_log (action, at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
