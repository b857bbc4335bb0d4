-- Tax invoices: each paid order gets the next invoice number, with no gaps. A sequence
-- would leave gaps (a rolled-back transaction does not give its number back), so the last
-- number is a row, raised in the same transaction that records the payment: a payment that
-- rolls back takes its number with it. Payments wait on that row only from the moment they
-- are recorded to their commit.
CREATE TABLE invoice_counter (
    only_row BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
    last_number BIGINT NOT NULL CHECK (last_number >= 0)
);
INSERT INTO invoice_counter (last_number) VALUES (0);

ALTER TABLE orders
    ADD COLUMN invoice_number BIGINT UNIQUE,
    ADD COLUMN invoiced_at TIMESTAMPTZ;

-- Whatever records a payment (a card payment arriving, cash collected on delivery) sets
-- `paid_minor`; the first time it is above zero the order is numbered.
CREATE FUNCTION orders_number_invoice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.paid_minor > 0 AND NEW.invoice_number IS NULL THEN
        UPDATE invoice_counter SET last_number = last_number + 1
            RETURNING last_number INTO NEW.invoice_number;
        NEW.invoiced_at := now();
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER orders_number_invoice BEFORE INSERT OR UPDATE OF paid_minor ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_number_invoice();

-- Orders paid before this migration, in the order they were placed.
WITH numbered AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n FROM orders WHERE paid_minor > 0
)
UPDATE orders o SET invoice_number = numbered.n, invoiced_at = o.updated_at
FROM numbered WHERE numbered.id = o.id;
UPDATE invoice_counter SET last_number = (SELECT coalesce(max(invoice_number), 0) FROM orders);
