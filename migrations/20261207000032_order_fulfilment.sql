-- Fulfilment as staff record it, and what the shopper is told about it.
--
-- An order leaves with a carrier and a link the shopper can follow; a cash-on-delivery order
-- records the cash the courier collected, which is what its refunds may add up to.
ALTER TABLE orders
    ADD COLUMN carrier TEXT,
    ADD COLUMN tracking_url TEXT,
    ADD COLUMN cash_collected_minor BIGINT,
    ADD CONSTRAINT orders_carrier_length CHECK (length(carrier) BETWEEN 1 AND 60),
    ADD CONSTRAINT orders_tracking_url CHECK (
        tracking_url ~ '^https://[^[:space:][:cntrl:]]+$' AND length(tracking_url) <= 500),
    ADD CONSTRAINT orders_cash_collected CHECK (cash_collected_minor BETWEEN 0 AND total_minor);

-- Cash orders delivered before this migration were paid in full: nothing recorded less.
UPDATE orders SET cash_collected_minor = total_minor, paid_minor = total_minor
WHERE payment_method = 'cash_on_delivery' AND status IN ('delivered', 'refunded');

-- What the shopper is to be told after checkout (shipped, delivered, cancelled, refunded),
-- written in the transaction of the change it reports. A job renders each into an email and
-- deletes it in one transaction, so each change is told once, after it committed.
CREATE TABLE order_notices (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    -- A refund's amount (minor units, the order's currency); NULL for the others.
    amount_minor BIGINT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT order_notices_kind CHECK (kind IN ('shipped', 'delivered', 'cancelled', 'refunded')),
    CONSTRAINT order_notices_amount CHECK ((kind = 'refunded') = (amount_minor IS NOT NULL)
                                           AND (amount_minor IS NULL OR amount_minor > 0))
);
CREATE INDEX order_notices_order_idx ON order_notices (order_id);

-- A refund asked for from a staff form carries the key the form was drawn with: the same form
-- sent twice (a double click, a retried post) refunds once.
ALTER TABLE refunds ADD COLUMN request_key TEXT,
    ADD CONSTRAINT refunds_request_key CHECK (length(request_key) BETWEEN 16 AND 64);
CREATE UNIQUE INDEX refunds_request_once ON refunds (order_id, request_key)
    WHERE request_key IS NOT NULL;

-- Notes staff keep on an order: never shown to the shopper.
CREATE TABLE order_notes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT order_notes_body CHECK (length(body) BETWEEN 1 AND 2000)
);
CREATE INDEX order_notes_order_idx ON order_notes (order_id, id);
