-- The dashboard's figures, kept by triggers as orders, refunds and accounts change, so the
-- dashboard sums a few hundred small rows instead of reading every order.
--
-- A day is a calendar day in the session's time zone, which Duka sets to the shop's on every
-- connection. Each day has 8 rows (`shard`, from the changed row's id), so concurrent
-- checkouts rarely wait on the same row; readers add the shards up.
--
-- An order counts as a sale from the moment it is confirmed or paid, on the day it was
-- placed: every status but `pending_payment` and `cancelled`, and a cancelled order that was
-- paid (its refund is then in `refunds_minor`, on the day the refund succeeded).
CREATE TABLE sales_days (
    day DATE NOT NULL,
    shard SMALLINT NOT NULL CHECK (shard BETWEEN 0 AND 7),
    orders INTEGER NOT NULL DEFAULT 0,
    sales_minor BIGINT NOT NULL DEFAULT 0,
    refunds_minor BIGINT NOT NULL DEFAULT 0,
    customers INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, shard)
);

CREATE FUNCTION order_is_sale(status TEXT, paid_minor BIGINT) RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE AS $$
    SELECT status NOT IN ('pending_payment', 'cancelled') OR paid_minor > 0
$$;

CREATE FUNCTION sales_days_add(d DATE, s INTEGER, o INTEGER, sales BIGINT, refunds BIGINT,
                               c INTEGER) RETURNS void LANGUAGE sql AS $$
    INSERT INTO sales_days AS t (day, shard, orders, sales_minor, refunds_minor, customers)
    VALUES (d, s, o, sales, refunds, c)
    ON CONFLICT (day, shard) DO UPDATE SET orders = t.orders + o,
        sales_minor = t.sales_minor + sales, refunds_minor = t.refunds_minor + refunds,
        customers = t.customers + c
$$;

CREATE FUNCTION orders_count_sale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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
CREATE TRIGGER orders_count_sale AFTER INSERT OR DELETE OR UPDATE OF status, paid_minor, created_at
    ON orders FOR EACH ROW
    EXECUTE FUNCTION orders_count_sale();

CREATE FUNCTION refunds_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = 'succeeded' THEN
        PERFORM sales_days_add(OLD.created_at::DATE, (OLD.id % 8)::INTEGER, 0, 0,
                               -OLD.amount_minor, 0);
    END IF;
    IF NEW.status = 'succeeded' THEN
        PERFORM sales_days_add(NEW.created_at::DATE, (NEW.id % 8)::INTEGER, 0, 0,
                               NEW.amount_minor, 0);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER refunds_count AFTER INSERT OR UPDATE OF status, amount_minor, created_at
    ON refunds FOR EACH ROW EXECUTE FUNCTION refunds_count();

CREATE FUNCTION accounts_count_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.role = 'customer' THEN
        PERFORM sales_days_add(NEW.created_at::DATE, (NEW.id % 8)::INTEGER, 0, 0, 0, 1);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER accounts_count_customer AFTER INSERT ON accounts
    FOR EACH ROW EXECUTE FUNCTION accounts_count_customer();

-- Every figure again from the rows themselves: the backfill below, and for an operator after
-- the shop's time zone changes (`SELECT sales_days_rebuild()`).
CREATE FUNCTION sales_days_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM sales_days;
    INSERT INTO sales_days (day, shard, orders, sales_minor, refunds_minor, customers)
    SELECT day, shard, sum(o)::INTEGER, sum(s)::BIGINT, sum(r)::BIGINT, sum(c)::INTEGER
    FROM (
        SELECT created_at::DATE AS day, (id % 8)::SMALLINT AS shard, 1 AS o,
               total_minor AS s, 0 AS r, 0 AS c
        FROM orders WHERE order_is_sale(status, paid_minor)
        UNION ALL
        SELECT created_at::DATE, (id % 8)::SMALLINT, 0, 0, amount_minor, 0
        FROM refunds WHERE status = 'succeeded'
        UNION ALL
        SELECT created_at::DATE, (id % 8)::SMALLINT, 0, 0, 0, 1
        FROM accounts WHERE role = 'customer'
    ) rows
    GROUP BY day, shard
$$;
SELECT sales_days_rebuild();
