-- Staff second factor: one TOTP secret per staff account (RFC 6238), confirmed by a first
-- code before it counts, and single-use recovery codes (SHA-256 of 80 random bits each).
CREATE TABLE staff_totp (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    secret BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- NULL until the first code confirms the authenticator app has the secret.
    enabled_at TIMESTAMPTZ,
    -- The last time step a code was accepted for: a code is good once, and never an older one.
    last_step BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT staff_totp_secret_length CHECK (length(secret) = 20)
);

CREATE TABLE staff_recovery_codes (
    code_hash BYTEA PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    used_at TIMESTAMPTZ,
    CONSTRAINT staff_recovery_codes_hash_length CHECK (length(code_hash) = 32)
);
CREATE INDEX staff_recovery_codes_account_idx ON staff_recovery_codes (account_id);
