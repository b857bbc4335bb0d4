-- The dashboard's best sellers, kept by triggers like `sales_days`: what each product and
-- each category sold per shop day, so the last 30 days' top lists add up the month's rollup
-- rows instead of joining every order of the month to its lines.
--
-- A line counts while its order is a sale (`order_is_sale`), on the day the order was placed,
-- at its price less its discount, under its product's categories when it is counted. Rows are
-- sharded by order id like `sales_days`, so concurrent checkouts of one product rarely wait
-- on the same row.
CREATE TABLE sales_product_days (
    day DATE NOT NULL,
    product_id BIGINT NOT NULL,
    shard SMALLINT NOT NULL CHECK (shard BETWEEN 0 AND 7),
    quantity BIGINT NOT NULL DEFAULT 0,
    sales_minor BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, product_id, shard)
);
CREATE TABLE sales_category_days (
    day DATE NOT NULL,
    category_id BIGINT NOT NULL,
    shard SMALLINT NOT NULL CHECK (shard BETWEEN 0 AND 7),
    quantity BIGINT NOT NULL DEFAULT 0,
    sales_minor BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, category_id, shard)
);

-- Adds `p_sign` times order `p_order`'s lines (those numbered `p_lines`, or all) to both
-- rollups on `p_day`. Rows are written products first, then categories, each in key order,
-- so concurrent orders take their row locks in one order and never deadlock.
CREATE FUNCTION sales_lines_count(p_sign INTEGER, p_order BIGINT, p_day DATE, p_lines INTEGER[])
RETURNS void LANGUAGE sql AS $$
    INSERT INTO sales_product_days AS t (day, product_id, shard, quantity, sales_minor)
    SELECT p_day, v.product_id, (p_order % 8)::SMALLINT, sum(l.quantity)::BIGINT * p_sign,
           sum(l.unit_price_minor * l.quantity - l.discount_minor)::BIGINT * p_sign
    FROM order_lines l JOIN variants v ON v.id = l.variant_id
    WHERE l.order_id = p_order AND (p_lines IS NULL OR l.line_no = ANY (p_lines))
    GROUP BY v.product_id ORDER BY v.product_id
    ON CONFLICT (day, product_id, shard) DO UPDATE
        SET quantity = t.quantity + excluded.quantity,
            sales_minor = t.sales_minor + excluded.sales_minor;
    INSERT INTO sales_category_days AS t (day, category_id, shard, quantity, sales_minor)
    SELECT p_day, pc.category_id, (p_order % 8)::SMALLINT, sum(l.quantity)::BIGINT * p_sign,
           sum(l.unit_price_minor * l.quantity - l.discount_minor)::BIGINT * p_sign
    FROM order_lines l JOIN variants v ON v.id = l.variant_id
    JOIN product_categories pc ON pc.product_id = v.product_id
    WHERE l.order_id = p_order AND (p_lines IS NULL OR l.line_no = ANY (p_lines))
    GROUP BY pc.category_id ORDER BY pc.category_id
    ON CONFLICT (day, category_id, shard) DO UPDATE
        SET quantity = t.quantity + excluded.quantity,
            sales_minor = t.sales_minor + excluded.sales_minor;
$$;

-- Lines written for an order that is already a sale (cash on delivery: confirmed as placed).
CREATE FUNCTION order_lines_count_sales() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o RECORD;
BEGIN
    FOR o IN SELECT a.order_id, d.created_at, array_agg(a.line_no) AS line_nos
             FROM added a JOIN orders d ON d.id = a.order_id
             WHERE order_is_sale(d.status, d.paid_minor)
             GROUP BY a.order_id, d.created_at
    LOOP
        PERFORM sales_lines_count(1, o.order_id, o.created_at::DATE, o.line_nos);
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE TRIGGER order_lines_count_sales AFTER INSERT ON order_lines
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION order_lines_count_sales();

-- An order becoming a sale (paid), ceasing to be one (cancelled unpaid), or moved in time.
-- Named to fire after `orders_count_sale` (triggers fire in name order), as checkout's
-- cash orders count them: `sales_days` first, then these rows.
CREATE FUNCTION orders_count_sale_lines() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was BOOLEAN := order_is_sale(OLD.status, OLD.paid_minor);
    is_now BOOLEAN := order_is_sale(NEW.status, NEW.paid_minor);
    moved BOOLEAN := OLD.created_at::DATE <> NEW.created_at::DATE;
BEGIN
    IF was AND (NOT is_now OR moved) THEN
        PERFORM sales_lines_count(-1, OLD.id, OLD.created_at::DATE, NULL);
    END IF;
    IF is_now AND (NOT was OR moved) THEN
        PERFORM sales_lines_count(1, NEW.id, NEW.created_at::DATE, NULL);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER orders_count_sale_lines AFTER UPDATE OF status, paid_minor, created_at
    ON orders FOR EACH ROW EXECUTE FUNCTION orders_count_sale_lines();

-- Every figure again from the rows (the backfill below; after a time zone change, with
-- `sales_days_rebuild()`).
CREATE FUNCTION sales_lines_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM sales_product_days;
    DELETE FROM sales_category_days;
    INSERT INTO sales_product_days (day, product_id, shard, quantity, sales_minor)
    SELECT o.created_at::DATE, v.product_id, (o.id % 8)::SMALLINT, sum(l.quantity),
           sum(l.unit_price_minor * l.quantity - l.discount_minor)
    FROM orders o JOIN order_lines l ON l.order_id = o.id JOIN variants v ON v.id = l.variant_id
    WHERE order_is_sale(o.status, o.paid_minor)
    GROUP BY 1, 2, 3;
    INSERT INTO sales_category_days (day, category_id, shard, quantity, sales_minor)
    SELECT s.day, pc.category_id, s.shard, sum(s.quantity), sum(s.sales_minor)
    FROM sales_product_days s JOIN product_categories pc ON pc.product_id = s.product_id
    GROUP BY 1, 2, 3;
$$;
SELECT sales_lines_rebuild();

-- `sales_days` is left alone by an update that changes nothing it counts (a cash order
-- delivered and paid, a status moving on): such updates took its row lock for a -1 and a +1,
-- and a payment holding the invoice counter could wait on it in a cycle.
CREATE OR REPLACE FUNCTION orders_count_sale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND order_is_sale(OLD.status, OLD.paid_minor) = order_is_sale(NEW.status, NEW.paid_minor)
       AND OLD.total_minor = NEW.total_minor AND OLD.created_at::DATE = NEW.created_at::DATE THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' AND order_is_sale(OLD.status, OLD.paid_minor) THEN
        PERFORM sales_days_add(OLD.created_at::DATE, (OLD.id % 8)::INTEGER, -1,
                               -OLD.total_minor, 0, 0);
    END IF;
    IF TG_OP <> 'DELETE' AND order_is_sale(NEW.status, NEW.paid_minor) THEN
        PERFORM sales_days_add(NEW.created_at::DATE, (NEW.id % 8)::INTEGER, 1,
                               NEW.total_minor, 0, 0);
    END IF;
    RETURN NULL;
END;
$$;
