-- Coupons managed by staff: free delivery as a third kind, limits to products or categories,
-- a version for refusing stale edits, and what each use gave (the report's figures).

ALTER TABLE coupons DROP CONSTRAINT coupons_kind;
ALTER TABLE coupons DROP CONSTRAINT coupons_value_range;
ALTER TABLE coupons
    ADD CONSTRAINT coupons_kind CHECK (kind IN ('percent', 'fixed', 'free_shipping')),
    -- A free-delivery coupon has no amount; the others a positive one, a percentage at most 100.
    ADD CONSTRAINT coupons_value_range CHECK (
        (kind = 'free_shipping' AND value = 0)
        OR (kind <> 'free_shipping' AND value > 0 AND (kind <> 'percent' OR value <= 10000))),
    ADD COLUMN version INTEGER NOT NULL DEFAULT 1,
    ADD COLUMN updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN updated_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL;

-- A coupon with rows here takes its discount only from the cart lines whose product is listed,
-- or sits in a listed category or any category below it. None: the whole cart.
CREATE TABLE coupon_products (
    coupon_id BIGINT NOT NULL REFERENCES coupons (id) ON DELETE CASCADE,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    PRIMARY KEY (coupon_id, product_id)
);
CREATE TABLE coupon_categories (
    coupon_id BIGINT NOT NULL REFERENCES coupons (id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    PRIMARY KEY (coupon_id, category_id)
);

-- What a use gave: the goods discount and the delivery charge waived (free delivery).
ALTER TABLE coupon_uses
    ADD COLUMN discount_minor BIGINT NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    ADD COLUMN shipping_waived_minor BIGINT NOT NULL DEFAULT 0 CHECK (shipping_waived_minor >= 0);
UPDATE coupon_uses u SET discount_minor = o.discount_minor FROM orders o WHERE o.id = u.order_id;
CREATE INDEX coupon_uses_coupon_idx ON coupon_uses (coupon_id, order_id);

-- Every order that ever carried a coupon (a cancelled one too): whether it may be deleted.
CREATE INDEX orders_coupon_idx ON orders (coupon_id) WHERE coupon_id IS NOT NULL;
