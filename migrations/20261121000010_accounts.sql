-- Accounts: customers and staff, their sign-in sessions (refresh-token families), single-use
-- email tokens, and the append-only audit log.

CREATE TABLE accounts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Stored trimmed and lower-cased, so one address is one account.
    email TEXT NOT NULL,
    -- argon2id in PHC string form; NULL once the account is erased.
    password_hash TEXT,
    name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT 'customer',
    email_verified_at TIMESTAMPTZ,
    password_changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Erased (GDPR): personal data gone, the row kept for the orders that name it.
    erased_at TIMESTAMPTZ,
    CONSTRAINT accounts_email_normalised CHECK (email = lower(btrim(email))),
    CONSTRAINT accounts_email_length CHECK (length(email) BETWEEN 3 AND 254),
    CONSTRAINT accounts_name_length CHECK (length(name) <= 200),
    CONSTRAINT accounts_role_known CHECK (
        role IN ('customer', 'owner', 'admin', 'catalog_manager', 'order_clerk', 'support'))
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (email);

-- A sign-in on one device: a family of refresh tokens, one current at a time. Revoking the
-- session ends every token of the family (and the access tokens naming it).
CREATE TABLE sessions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    revoked_reason TEXT,
    user_agent TEXT NOT NULL DEFAULT '',
    ip INET,
    CONSTRAINT sessions_audience_known CHECK (audience IN ('customer', 'staff')),
    CONSTRAINT sessions_user_agent_length CHECK (length(user_agent) <= 400),
    CONSTRAINT sessions_revoked_with_reason CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX sessions_account_idx ON sessions (account_id) WHERE revoked_at IS NULL;

-- Refresh tokens are opaque and random; only their SHA-256 is stored. A token is used once:
-- using it again (a stolen copy racing its owner) revokes the whole session.
CREATE TABLE refresh_tokens (
    token_hash BYTEA PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    used_at TIMESTAMPTZ,
    CONSTRAINT refresh_tokens_hash_length CHECK (length(token_hash) = 32)
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- Links sent by email (verify the address, reset the password): single-use, expiring, hashed.
CREATE TABLE account_tokens (
    token_hash BYTEA PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    CONSTRAINT account_tokens_purpose_known CHECK (purpose IN ('verify_email', 'reset_password')),
    CONSTRAINT account_tokens_hash_length CHECK (length(token_hash) = 32)
);
CREATE INDEX account_tokens_account_idx ON account_tokens (account_id, purpose);

-- Security events and staff actions: who, what, when, from where. Append-only: the table
-- refuses updates and deletes, even from the application's own role.
CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    ip INET,
    details JSONB NOT NULL DEFAULT '{}',
    CONSTRAINT audit_log_action_format CHECK (action ~ '^[a-z_.]{3,64}$')
);
CREATE INDEX audit_log_account_idx ON audit_log (account_id, at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Erasing an account sets its entries' account to NULL (ON DELETE SET NULL): allowed.
    IF TG_OP = 'UPDATE' AND NEW.account_id IS NULL
       AND (NEW.id, NEW.at, NEW.action, NEW.ip, NEW.details)
           IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.action, OLD.ip, OLD.details) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
