-- Goods coming back: how many of each line came back, and each return as staff recorded it
-- (its own idempotency key, so the same form sent twice takes goods back once).
ALTER TABLE order_lines
    ADD COLUMN returned_quantity INTEGER NOT NULL DEFAULT 0,
    ADD CONSTRAINT order_lines_returned_range CHECK (returned_quantity BETWEEN 0 AND quantity);

CREATE TABLE order_returns (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    request_key TEXT NOT NULL,
    -- [[line_no, quantity], ...]
    lines JSONB NOT NULL,
    restocked BOOLEAN NOT NULL,
    -- What the lines were paid: the refund the return asks for (0 when none is wanted).
    refund_minor BIGINT NOT NULL CHECK (refund_minor >= 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    CONSTRAINT order_returns_key UNIQUE (order_id, request_key)
);
