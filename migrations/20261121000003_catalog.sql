-- The catalog proper: a category tree, products in several categories, options (Size,
-- Colour) and one variant per combination, each variant with its own SKU, price and stock.
-- Price, currency and stock move from products to variants; every existing product gets one
-- default variant carrying them.

-- Categories: a tree of any depth. Slugs are unique across the store.
CREATE TABLE categories (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id   BIGINT REFERENCES categories (id) ON DELETE RESTRICT,
    position    INTEGER     NOT NULL DEFAULT 0,
    slug        TEXT        NOT NULL,
    name        TEXT        NOT NULL,
    description TEXT        NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT categories_slug_key UNIQUE (slug),
    CONSTRAINT categories_slug_format
        CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 120),
    CONSTRAINT categories_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    CONSTRAINT categories_description_length CHECK (length(description) <= 5000),
    CONSTRAINT categories_not_own_parent CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX categories_parent_idx ON categories (parent_id, position, id);

-- A category may not become its own ancestor.
CREATE FUNCTION categories_no_cycle() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.parent_id IS NOT NULL AND EXISTS (
        WITH RECURSIVE up (id, parent_id) AS (
            SELECT id, parent_id FROM categories WHERE id = NEW.parent_id
            UNION ALL
            SELECT c.id, c.parent_id FROM categories c JOIN up ON c.id = up.parent_id
        )
        SELECT 1 FROM up WHERE id = NEW.id
    ) THEN
        RAISE EXCEPTION 'category % would become its own ancestor', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'categories_no_cycle';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER categories_no_cycle
    BEFORE INSERT OR UPDATE OF parent_id ON categories
    FOR EACH ROW EXECUTE FUNCTION categories_no_cycle();
CREATE TRIGGER categories_set_updated_at
    BEFORE UPDATE ON categories
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Products gain merchandising fields. `attributes` holds filterable key/value pairs
-- ({"material": "linen"}), string values only.
ALTER TABLE products
    ADD COLUMN brand           TEXT    NOT NULL DEFAULT '',
    ADD COLUMN attributes      JSONB   NOT NULL DEFAULT '{}',
    ADD COLUMN seo_title       TEXT,
    ADD COLUMN seo_description TEXT,
    ADD COLUMN featured        BOOLEAN NOT NULL DEFAULT false,
    -- Kept by the variants trigger below, so listings filter and sort without joins.
    ADD COLUMN price_min_minor BIGINT,
    ADD COLUMN price_max_minor BIGINT,
    ADD COLUMN in_stock        BOOLEAN NOT NULL DEFAULT false,
    ADD CONSTRAINT products_brand_length CHECK (length(brand) <= 120),
    ADD CONSTRAINT products_attributes_object CHECK (jsonb_typeof(attributes) = 'object'),
    ADD CONSTRAINT products_seo_title_length CHECK (length(seo_title) <= 200),
    ADD CONSTRAINT products_seo_description_length CHECK (length(seo_description) <= 500);
CREATE INDEX products_attributes_idx ON products USING gin (attributes jsonb_path_ops);
CREATE INDEX products_active_price_idx ON products (price_min_minor, id) WHERE status = 'active';
CREATE INDEX products_active_name_idx ON products (name, id) WHERE status = 'active';
CREATE INDEX products_featured_idx ON products (created_at DESC) WHERE status = 'active' AND featured;

CREATE TABLE product_categories (
    product_id  BIGINT  NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    category_id BIGINT  NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    -- The lowest position is the product's main category (breadcrumbs, related products).
    position    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (product_id, category_id)
);
CREATE INDEX product_categories_category_idx ON product_categories (category_id, product_id);

-- Options (Size, Colour) and their values, in display order.
CREATE TABLE product_options (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id BIGINT  NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL DEFAULT 0,
    name       TEXT    NOT NULL,
    CONSTRAINT product_options_name_key UNIQUE (product_id, name),
    CONSTRAINT product_options_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 60)
);

CREATE TABLE product_option_values (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    option_id BIGINT  NOT NULL REFERENCES product_options (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL DEFAULT 0,
    value     TEXT    NOT NULL,
    CONSTRAINT product_option_values_value_key UNIQUE (option_id, value),
    CONSTRAINT product_option_values_value_length CHECK (length(btrim(value)) BETWEEN 1 AND 60)
);

-- One variant per combination of option values; a product without options has one
-- variant whose option_key is ''. Stock never goes below zero.
CREATE TABLE variants (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id       BIGINT      NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    sku              TEXT        NOT NULL,
    position         INTEGER     NOT NULL DEFAULT 0,
    -- The chosen option value ids, ascending, joined by '.': the combination's identity.
    option_key       TEXT        NOT NULL DEFAULT '',
    price_minor      BIGINT      NOT NULL,
    compare_at_minor BIGINT,
    currency         TEXT        NOT NULL,
    stock            INTEGER     NOT NULL DEFAULT 0,
    weight_grams     INTEGER     NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT variants_sku_key UNIQUE (sku),
    CONSTRAINT variants_combination_key UNIQUE (product_id, option_key),
    CONSTRAINT variants_sku_format CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    CONSTRAINT variants_option_key_format CHECK (option_key ~ '^([0-9]+(\.[0-9]+)*)?$'),
    CONSTRAINT variants_price_non_negative CHECK (price_minor >= 0),
    -- A compare-at price is a higher "was" price, or absent.
    CONSTRAINT variants_compare_at_above_price
        CHECK (compare_at_minor IS NULL OR compare_at_minor > price_minor),
    CONSTRAINT variants_currency_supported CHECK (currency IN ('AED', 'ZMW', 'USD')),
    CONSTRAINT variants_stock_non_negative CHECK (stock >= 0),
    CONSTRAINT variants_weight_non_negative CHECK (weight_grams >= 0)
);
CREATE INDEX variants_product_idx ON variants (product_id, position, id);
CREATE TRIGGER variants_set_updated_at
    BEFORE UPDATE ON variants
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Which value of each option a variant has: one per option.
CREATE TABLE variant_option_values (
    variant_id      BIGINT NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    option_id       BIGINT NOT NULL REFERENCES product_options (id) ON DELETE CASCADE,
    option_value_id BIGINT NOT NULL REFERENCES product_option_values (id) ON DELETE CASCADE,
    PRIMARY KEY (variant_id, option_id)
);

-- Keep the products' listing columns true whenever variants change.
CREATE FUNCTION products_refresh_variant_summary(p_id BIGINT) RETURNS void
LANGUAGE sql AS $$
    UPDATE products p
    SET price_min_minor = s.min_price,
        price_max_minor = s.max_price,
        in_stock        = coalesce(s.any_stock, false)
    FROM (
        SELECT min(price_minor) AS min_price, max(price_minor) AS max_price,
               bool_or(stock > 0) AS any_stock
        FROM variants WHERE product_id = p_id
    ) s
    WHERE p.id = p_id
      AND (p.price_min_minor IS DISTINCT FROM s.min_price
           OR p.price_max_minor IS DISTINCT FROM s.max_price
           OR p.in_stock IS DISTINCT FROM coalesce(s.any_stock, false));
$$;

CREATE FUNCTION variants_refresh_product() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM products_refresh_variant_summary(OLD.product_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.product_id <> OLD.product_id) THEN
        PERFORM products_refresh_variant_summary(NEW.product_id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER variants_refresh_product
    AFTER INSERT OR DELETE OR UPDATE OF price_minor, stock, product_id ON variants
    FOR EACH ROW EXECUTE FUNCTION variants_refresh_product();

-- Existing products become single-variant products.
INSERT INTO variants (product_id, sku, price_minor, currency, stock)
SELECT id, 'SKU-' || upper(left(slug, 59)), price_minor, currency, stock FROM products;

ALTER TABLE products
    DROP COLUMN price_minor,
    DROP COLUMN currency,
    DROP COLUMN stock;
