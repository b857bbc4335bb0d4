-- The first catalog table: one row per product, priced in integer minor units
-- (fils, ngwee, cents) with an ISO 4217 currency. Later migrations move price and stock
-- to variants; the constraints here are the invariants the code relies on.
CREATE TABLE products (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The public identifier in URLs: lowercase words joined by single hyphens.
    slug        TEXT        NOT NULL,
    name        TEXT        NOT NULL,
    description TEXT        NOT NULL DEFAULT '',
    price_minor BIGINT      NOT NULL,
    currency    TEXT        NOT NULL,
    stock       INTEGER     NOT NULL DEFAULT 0,
    -- draft: being prepared; active: on sale; archived: kept for order history only.
    status      TEXT        NOT NULL DEFAULT 'draft',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT products_slug_key UNIQUE (slug),
    CONSTRAINT products_slug_format
        CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 120),
    CONSTRAINT products_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT products_description_length CHECK (length(description) <= 20000),
    CONSTRAINT products_price_non_negative CHECK (price_minor >= 0),
    CONSTRAINT products_currency_iso CHECK (currency ~ '^[A-Z]{3}$'),
    -- Stock never goes below zero, whatever the code does.
    CONSTRAINT products_stock_non_negative CHECK (stock >= 0),
    CONSTRAINT products_status_known CHECK (status IN ('draft', 'active', 'archived'))
);

-- The storefront lists active products newest first.
CREATE INDEX products_active_created_idx ON products (created_at DESC, id DESC)
    WHERE status = 'active';

-- Keep updated_at true without trusting every writer to set it.
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER products_set_updated_at
    BEFORE UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
