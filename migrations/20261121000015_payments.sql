-- Card payments through Stripe, and refunds.
--
-- Checkout commits the order first; the PaymentIntent is created after, outside any lock,
-- with the order's own idempotency key, so a retry (the page, the reconciler after a crash)
-- finds the same PaymentIntent at Stripe instead of making a second one.

ALTER TABLE orders
    -- Our Idempotency-Key for creating the order's PaymentIntent, fixed when the order is.
    ADD COLUMN payment_key TEXT NOT NULL DEFAULT ('pi_' || replace(gen_random_uuid()::TEXT, '-', '')),
    -- Stripe's PaymentIntent, once created.
    ADD COLUMN payment_intent_id TEXT UNIQUE,
    -- What Stripe reports was received for the order (the PaymentIntent's amount received).
    ADD COLUMN paid_minor BIGINT NOT NULL DEFAULT 0,
    ADD CONSTRAINT orders_paid_within_total CHECK (paid_minor BETWEEN 0 AND total_minor);

CREATE UNIQUE INDEX orders_payment_key_idx ON orders (payment_key);
-- The reconciler's work: card orders waiting for their payment.
CREATE INDEX orders_awaiting_payment_idx ON orders (id)
    WHERE status = 'pending_payment' AND payment_method = 'card';

-- Every webhook event applied, by Stripe's event id: written in the same transaction as the
-- event's effect, so a repeat (Stripe retries, concurrent deliveries) changes nothing.
CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    order_id BIGINT REFERENCES orders (id) ON DELETE SET NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Money given back. A card refund is written `pending` with its idempotency key before Stripe
-- is called, and settled after; the reconciler retries one left pending by a crash.
CREATE TABLE refunds (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    amount_minor BIGINT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT NOT NULL UNIQUE
        DEFAULT ('re_' || replace(gen_random_uuid()::TEXT, '-', '')),
    stripe_refund_id TEXT UNIQUE,
    status TEXT NOT NULL DEFAULT 'pending',
    actor TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT refunds_amount_positive CHECK (amount_minor > 0),
    CONSTRAINT refunds_status CHECK (status IN ('pending', 'succeeded', 'failed')),
    CONSTRAINT refunds_reason_length CHECK (length(reason) <= 500)
);
CREATE INDEX refunds_order_idx ON refunds (order_id);
CREATE INDEX refunds_pending_idx ON refunds (id) WHERE status = 'pending';
