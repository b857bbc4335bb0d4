-- Checkout and orders: tax rates, shipping zones and rates, coupons, orders with their line
-- snapshots and timeline, and the order state machine enforced by a trigger.

-- VAT by destination country, in basis points (500 = 5 %). A country without a row pays none.
CREATE TABLE tax_rates (
    country CHAR(2) PRIMARY KEY,
    rate_bp INTEGER NOT NULL,
    CONSTRAINT tax_rates_country_code CHECK (country ~ '^[A-Z]{2}$'),
    CONSTRAINT tax_rates_rate_range CHECK (rate_bp BETWEEN 0 AND 10000)
);

-- Where the store ships: a country belongs to at most one zone; a zone has its rates.
CREATE TABLE shipping_zones (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    CONSTRAINT shipping_zones_name_length CHECK (length(name) BETWEEN 1 AND 120)
);
CREATE TABLE shipping_zone_countries (
    country CHAR(2) PRIMARY KEY,
    zone_id BIGINT NOT NULL REFERENCES shipping_zones (id) ON DELETE CASCADE,
    CONSTRAINT shipping_zone_countries_code CHECK (country ~ '^[A-Z]{2}$')
);
CREATE INDEX shipping_zone_countries_zone_idx ON shipping_zone_countries (zone_id);

-- A flat rate, free when the discounted subtotal reaches `free_above_minor` (if set).
CREATE TABLE shipping_rates (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    zone_id BIGINT NOT NULL REFERENCES shipping_zones (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    currency CHAR(3) NOT NULL,
    price_minor BIGINT NOT NULL,
    free_above_minor BIGINT,
    cash_on_delivery BOOLEAN NOT NULL DEFAULT true,
    active BOOLEAN NOT NULL DEFAULT true,
    position INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT shipping_rates_name_length CHECK (length(name) BETWEEN 1 AND 120),
    CONSTRAINT shipping_rates_price_nonnegative CHECK (price_minor >= 0),
    CONSTRAINT shipping_rates_free_nonnegative CHECK (free_above_minor IS NULL OR free_above_minor >= 0)
);
CREATE INDEX shipping_rates_zone_idx ON shipping_rates (zone_id);

-- What the shopper has entered at checkout so far, kept with the cart.
ALTER TABLE carts
    ADD COLUMN checkout_email TEXT,
    ADD COLUMN checkout_address JSONB,
    ADD COLUMN shipping_rate_id BIGINT REFERENCES shipping_rates (id) ON DELETE SET NULL,
    ADD COLUMN coupon_code TEXT;

-- Coupons. `value` is basis points for a percentage, minor units for a fixed amount.
-- `uses` counts orders holding the coupon; the check keeps it within `max_uses` whatever
-- the code does, and a cancelled order gives its use back.
CREATE TABLE coupons (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL,
    kind TEXT NOT NULL,
    value BIGINT NOT NULL,
    currency CHAR(3) NOT NULL,
    min_subtotal_minor BIGINT NOT NULL DEFAULT 0,
    starts_at TIMESTAMPTZ,
    ends_at TIMESTAMPTZ,
    max_uses INTEGER,
    max_uses_per_customer INTEGER,
    uses INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT coupons_code_shape CHECK (code ~ '^[A-Z0-9_-]{2,40}$'),
    CONSTRAINT coupons_kind CHECK (kind IN ('percent', 'fixed')),
    CONSTRAINT coupons_value_range CHECK (value > 0 AND (kind <> 'percent' OR value <= 10000)),
    CONSTRAINT coupons_min_nonnegative CHECK (min_subtotal_minor >= 0),
    CONSTRAINT coupons_dates CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at),
    CONSTRAINT coupons_limits CHECK ((max_uses IS NULL OR max_uses > 0)
        AND (max_uses_per_customer IS NULL OR max_uses_per_customer > 0)),
    CONSTRAINT coupons_uses_within_limit CHECK (uses >= 0 AND (max_uses IS NULL OR uses <= max_uses))
);
CREATE UNIQUE INDEX coupons_code_key ON coupons (code);

-- Order statuses and the moves between them. The trigger below refuses any other move, so a
-- bug or a hand-written UPDATE cannot skip a step; the Rust enum mirrors this table (tested).
CREATE TABLE order_statuses (status TEXT PRIMARY KEY);
INSERT INTO order_statuses VALUES
    ('pending_payment'), ('paid'), ('confirmed'), ('partially_fulfilled'), ('fulfilled'),
    ('shipped'), ('delivered'), ('cancelled'), ('refunded');

CREATE TABLE order_transitions (
    from_status TEXT NOT NULL REFERENCES order_statuses,
    to_status TEXT NOT NULL REFERENCES order_statuses,
    PRIMARY KEY (from_status, to_status)
);
INSERT INTO order_transitions VALUES
    ('pending_payment', 'paid'),
    ('pending_payment', 'confirmed'),
    ('pending_payment', 'cancelled'),
    ('paid', 'partially_fulfilled'),
    ('paid', 'fulfilled'),
    ('paid', 'cancelled'),
    ('paid', 'refunded'),
    ('confirmed', 'partially_fulfilled'),
    ('confirmed', 'fulfilled'),
    ('confirmed', 'cancelled'),
    ('partially_fulfilled', 'fulfilled'),
    ('partially_fulfilled', 'refunded'),
    ('fulfilled', 'shipped'),
    ('fulfilled', 'refunded'),
    ('shipped', 'delivered'),
    ('shipped', 'refunded'),
    ('delivered', 'refunded');

CREATE SEQUENCE order_numbers START 1001;

CREATE TABLE orders (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Shown to people: the store's sequence, e.g. 1001.
    number BIGINT NOT NULL UNIQUE DEFAULT nextval('order_numbers'),
    -- The checkout page's key: the same submission always finds this order.
    checkout_key TEXT NOT NULL UNIQUE,
    -- Who placed it: the account, or the hash of the guest's cart token (the checkout key is
    -- only honoured for the same buyer).
    account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    guest_hash BYTEA,
    -- Opens the order page for whoever holds the link (the confirmation page and email).
    access_hash BYTEA NOT NULL,
    email TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending_payment' REFERENCES order_statuses,
    payment_method TEXT NOT NULL,
    currency CHAR(3) NOT NULL,
    prices_include_tax BOOLEAN NOT NULL,
    subtotal_minor BIGINT NOT NULL,
    discount_minor BIGINT NOT NULL,
    shipping_minor BIGINT NOT NULL,
    tax_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    refunded_minor BIGINT NOT NULL DEFAULT 0,
    coupon_id BIGINT REFERENCES coupons (id) ON DELETE SET NULL,
    coupon_code TEXT,
    shipping_address JSONB NOT NULL,
    shipping_country CHAR(2) NOT NULL,
    shipping_rate_name TEXT NOT NULL,
    tax_rate_bp INTEGER NOT NULL,
    tracking_number TEXT,
    -- An unpaid order releases its stock at this time.
    pay_by TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT orders_payment_method CHECK (payment_method IN ('card', 'cash_on_delivery')),
    CONSTRAINT orders_amounts_nonnegative CHECK (subtotal_minor >= 0 AND discount_minor >= 0
        AND shipping_minor >= 0 AND tax_minor >= 0 AND total_minor >= 0),
    CONSTRAINT orders_discount_within_subtotal CHECK (discount_minor <= subtotal_minor),
    CONSTRAINT orders_refund_within_total CHECK (refunded_minor BETWEEN 0 AND total_minor),
    CONSTRAINT orders_access_hash_length CHECK (length(access_hash) = 32),
    CONSTRAINT orders_email_length CHECK (length(email) BETWEEN 3 AND 254),
    CONSTRAINT orders_checkout_key_shape CHECK (checkout_key ~ '^[A-Za-z0-9_-]{16,64}$')
);
CREATE INDEX orders_account_idx ON orders (account_id, created_at DESC);
CREATE INDEX orders_pay_by_idx ON orders (pay_by) WHERE status = 'pending_payment';

CREATE TABLE order_lines (
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no INTEGER NOT NULL,
    variant_id BIGINT REFERENCES variants (id) ON DELETE SET NULL,
    sku TEXT NOT NULL,
    product_name TEXT NOT NULL,
    variant_title TEXT NOT NULL DEFAULT '',
    unit_price_minor BIGINT NOT NULL,
    quantity INTEGER NOT NULL,
    discount_minor BIGINT NOT NULL,
    tax_minor BIGINT NOT NULL,
    tax_rate_bp INTEGER NOT NULL,
    fulfilled_quantity INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, line_no),
    CONSTRAINT order_lines_quantity_positive CHECK (quantity > 0),
    CONSTRAINT order_lines_amounts CHECK (unit_price_minor >= 0 AND discount_minor >= 0
        AND tax_minor >= 0),
    CONSTRAINT order_lines_fulfilled_range CHECK (fulfilled_quantity BETWEEN 0 AND quantity)
);
CREATE INDEX order_lines_variant_idx ON order_lines (variant_id);

-- The timeline: every status change (and notes such as a failed payment attempt).
CREATE TABLE order_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    from_status TEXT,
    to_status TEXT,
    note TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX order_events_order_idx ON order_events (order_id, id);

-- One use of a coupon by one order; `customer` is the account id or the lower-cased email.
CREATE TABLE coupon_uses (
    order_id BIGINT PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    coupon_id BIGINT NOT NULL REFERENCES coupons (id) ON DELETE CASCADE,
    customer TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX coupon_uses_customer_idx ON coupon_uses (coupon_id, customer);

CREATE FUNCTION orders_check_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NOT EXISTS (SELECT 1 FROM order_transitions
                       WHERE from_status = OLD.status AND to_status = NEW.status) THEN
            RAISE EXCEPTION 'order % cannot go from % to %', OLD.number, OLD.status, NEW.status
                USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_status_transition';
        END IF;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;
CREATE TRIGGER orders_check_transition BEFORE UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_check_transition();
