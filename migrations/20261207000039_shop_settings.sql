-- The shop's settings edited in the admin: the store's own details (one row), delivery zones
-- down to an emirate or province, rates priced by weight bands, a cash-on-delivery fee, and a
-- version on each so a concurrent edit is refused rather than lost.

-- One row. Written at the first start from `Leptos.toml` / the environment; from then on the
-- admin's `/admin/settings` is where these live. Every committed change notifies
-- `duka_shop`: running servers reload the row, so a change applies without a restart.
CREATE TABLE shop_settings (
    id BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
    name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    tax_number TEXT NOT NULL DEFAULT '',
    logo_key TEXT,
    logo_width INTEGER,
    logo_height INTEGER,
    currency CHAR(3) NOT NULL,
    prices_include_tax BOOLEAN NOT NULL,
    unpaid_order_minutes INTEGER NOT NULL,
    low_stock_threshold INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    CONSTRAINT shop_settings_name_length CHECK (length(name) BETWEEN 1 AND 120),
    CONSTRAINT shop_settings_email_length CHECK (length(email) <= 254),
    CONSTRAINT shop_settings_phone_length CHECK (length(phone) <= 40),
    CONSTRAINT shop_settings_address_length CHECK (length(address) <= 300),
    CONSTRAINT shop_settings_tax_number_length CHECK (length(tax_number) <= 40),
    CONSTRAINT shop_settings_currency CHECK (currency IN ('AED', 'ZMW', 'USD')),
    CONSTRAINT shop_settings_unpaid_minutes CHECK (unpaid_order_minutes BETWEEN 5 AND 10080),
    CONSTRAINT shop_settings_low_stock CHECK (low_stock_threshold BETWEEN 0 AND 100000)
);

CREATE FUNCTION shop_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('duka_shop', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;
CREATE TRIGGER shop_settings_notify
    AFTER INSERT OR UPDATE OR DELETE ON shop_settings
    FOR EACH STATEMENT EXECUTE FUNCTION shop_notify_change();

-- A zone covers whole countries (region '') or single emirates or provinces of one. An
-- address goes to the zone of its region if there is one, else to its country's.
ALTER TABLE shipping_zone_countries DROP CONSTRAINT shipping_zone_countries_pkey;
ALTER TABLE shipping_zone_countries
    ADD COLUMN region TEXT NOT NULL DEFAULT '',
    ADD CONSTRAINT shipping_zone_countries_region_length CHECK (length(region) <= 80),
    ADD PRIMARY KEY (country, region);
ALTER TABLE shipping_zones
    ADD COLUMN version INTEGER NOT NULL DEFAULT 1,
    ADD COLUMN updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD COLUMN updated_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL;

-- The zone an address is delivered in: its region's, else its country's.
CREATE FUNCTION delivery_zone(country TEXT, region TEXT) RETURNS BIGINT
LANGUAGE sql STABLE AS $$
    SELECT zone_id FROM shipping_zone_countries z
    WHERE z.country = delivery_zone.country
      AND (z.region = '' OR lower(z.region) = lower(coalesce(delivery_zone.region, '')))
    ORDER BY z.region = '' LIMIT 1
$$;

-- A cash-on-delivery fee per rate, and a version for refusing stale edits.
ALTER TABLE shipping_rates
    ADD COLUMN cod_fee_minor BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN version INTEGER NOT NULL DEFAULT 1,
    ADD CONSTRAINT shipping_rates_cod_fee_nonnegative CHECK (cod_fee_minor >= 0);

-- A rate with bands is priced by the cart's weight: the first band that holds it; a cart
-- heavier than the last band is not offered the rate. Without bands the rate is flat.
CREATE TABLE shipping_rate_bands (
    rate_id BIGINT NOT NULL REFERENCES shipping_rates (id) ON DELETE CASCADE,
    up_to_grams INTEGER NOT NULL,
    price_minor BIGINT NOT NULL,
    PRIMARY KEY (rate_id, up_to_grams),
    CONSTRAINT shipping_rate_bands_weight CHECK (up_to_grams > 0),
    CONSTRAINT shipping_rate_bands_price CHECK (price_minor >= 0)
);

-- VAT rates edited in the admin: a version each.
ALTER TABLE tax_rates
    ADD COLUMN version INTEGER NOT NULL DEFAULT 1,
    ADD COLUMN updated_at TIMESTAMPTZ NOT NULL DEFAULT now();
