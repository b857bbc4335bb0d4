-- Email leaves through a transactional outbox: the row is written in the same transaction as
-- the change it reports (a registration, a reset request), and a worker delivers it. A crash
-- loses nothing (the row stays) and a retry after a crash reuses the same Message-ID.
CREATE TABLE email_outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    attempts INT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at TIMESTAMPTZ,
    last_error TEXT,
    CONSTRAINT email_outbox_subject_one_line CHECK (subject !~ '[\r\n]' AND length(subject) <= 200),
    CONSTRAINT email_outbox_to_one_line CHECK (to_address !~ '[\r\n]' AND length(to_address) <= 254)
);
CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX email_outbox_account_idx ON email_outbox (account_id);

-- A customer's address book. One default shipping address at most.
CREATE TABLE addresses (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    line1 TEXT NOT NULL,
    line2 TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL,
    region TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    country CHAR(2) NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT addresses_country_code CHECK (country ~ '^[A-Z]{2}$'),
    CONSTRAINT addresses_lengths CHECK (
        length(name) BETWEEN 1 AND 200 AND length(line1) BETWEEN 1 AND 200
        AND length(line2) <= 200 AND length(city) BETWEEN 1 AND 100
        AND length(region) <= 100 AND length(postal_code) <= 20 AND length(phone) <= 30)
);
CREATE INDEX addresses_account_idx ON addresses (account_id);
CREATE UNIQUE INDEX addresses_one_default ON addresses (account_id) WHERE is_default;
