-- Staff offboarding: a deactivated account signs in no more, and its sessions and refresh
-- tokens are refused at once (the application also revokes them when it deactivates).
ALTER TABLE accounts ADD COLUMN deactivated_at TIMESTAMPTZ;

-- Authenticator secrets are sealed at rest (AES-256-GCM under DUKA_TOTP_KEY): 52 bytes are
-- key id, nonce, the 20-byte secret and the tag. A 20-byte value is a secret stored before
-- sealing; the server seals it at its next start.
ALTER TABLE staff_totp DROP CONSTRAINT staff_totp_secret_length;
ALTER TABLE staff_totp ADD CONSTRAINT staff_totp_secret_sealed CHECK (length(secret) IN (20, 52));

-- The recovery codes of an enrolment not yet confirmed, sealed, so that reloading the
-- enrolment page shows the same secret and codes until the first code confirms them.
ALTER TABLE staff_totp ADD COLUMN pending_codes BYTEA;

-- The last failed card attempt noted on the order (its charge, payment method and message),
-- so reading the same PaymentIntent again never notes the same failure twice.
ALTER TABLE orders ADD COLUMN payment_failure_key TEXT;

-- A message the mailer gave up on (an address it cannot write to, a permanent refusal, or
-- too many failed attempts): not tried again; the audit log tells staff.
ALTER TABLE email_outbox ADD COLUMN failed_at TIMESTAMPTZ;
DROP INDEX email_outbox_due_idx;
CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
