-- Staff run the catalog from the admin: products carry a version (a save over a newer one is
-- refused) and who saved them last; a product's old slugs keep answering with a redirect;
-- every stock change is a movement in a ledger.

ALTER TABLE products
    ADD COLUMN version    BIGINT NOT NULL DEFAULT 1,
    ADD COLUMN updated_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    -- A draft with a publish time becomes active when the time comes (the publisher job).
    ADD COLUMN publish_at TIMESTAMPTZ,
    ADD CONSTRAINT products_version_positive CHECK (version >= 1);
ALTER TABLE variants
    ADD COLUMN barcode TEXT NOT NULL DEFAULT '',
    ADD CONSTRAINT variants_barcode_format CHECK (barcode ~ '^[A-Za-z0-9]{0,64}$');

-- The admin list: every status, newest change first or by name, and name search by any part
-- of a word (trigram), so no page reads the whole table.
CREATE INDEX products_updated_idx ON products (updated_at DESC, id DESC);
CREATE INDEX products_all_name_idx ON products (name, id);
CREATE INDEX products_all_price_idx ON products (price_min_minor, id);
CREATE INDEX products_status_updated_idx ON products (status, updated_at DESC, id DESC);
CREATE INDEX products_name_trgm_idx ON products USING gin (name gin_trgm_ops);
CREATE INDEX products_publish_due_idx ON products (publish_at) WHERE status = 'draft' AND publish_at IS NOT NULL;
-- Sold out and low stock: the few variants under a threshold, found from their stock.
CREATE INDEX variants_stock_idx ON variants (stock, product_id);
CREATE INDEX product_categories_product_idx ON product_categories (product_id);

-- A renamed product's old slugs, so links and search results already out there still work
-- (a 301 to the current slug). A slug taken by a product again stops redirecting.
CREATE TABLE product_slug_redirects (
    old_slug   TEXT        PRIMARY KEY,
    product_id BIGINT      NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT product_slug_redirects_format
        CHECK (old_slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(old_slug) <= 120)
);
CREATE INDEX product_slug_redirects_product_idx ON product_slug_redirects (product_id);

CREATE FUNCTION products_keep_slug_redirects() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM product_slug_redirects WHERE old_slug = NEW.slug;
    IF TG_OP = 'UPDATE' AND NEW.slug <> OLD.slug THEN
        INSERT INTO product_slug_redirects (old_slug, product_id) VALUES (OLD.slug, NEW.id)
        ON CONFLICT (old_slug) DO UPDATE SET product_id = EXCLUDED.product_id, created_at = now();
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER products_keep_slug_redirects
    AFTER INSERT OR UPDATE OF slug ON products
    FOR EACH ROW EXECUTE FUNCTION products_keep_slug_redirects();

-- The stock ledger. A variant's stock is the sum of its movements, whoever changes it: a
-- trigger writes one movement per change, so checkout, cancellations, staff adjustments and a
-- psql session are all recorded. The writer names the reason, order and staff member for its
-- transaction with `set_config('duka.stock_reason', ...)` and friends; a change that names
-- none is `external` (made outside Duka).
CREATE TABLE stock_movements (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    variant_id  BIGINT      NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    delta       INTEGER     NOT NULL,
    stock_after INTEGER     NOT NULL,
    reason      TEXT        NOT NULL,
    order_id    BIGINT      REFERENCES orders (id) ON DELETE SET NULL,
    account_id  BIGINT      REFERENCES accounts (id) ON DELETE SET NULL,
    note        TEXT        NOT NULL DEFAULT '',
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT stock_movements_delta_nonzero CHECK (delta <> 0),
    CONSTRAINT stock_movements_reason_known CHECK (reason IN
        ('initial', 'received', 'correction', 'damaged', 'returned', 'sold', 'released', 'external')),
    CONSTRAINT stock_movements_note_length CHECK (length(note) <= 500)
);
CREATE INDEX stock_movements_variant_idx ON stock_movements (variant_id, id DESC);
CREATE INDEX stock_movements_order_idx ON stock_movements (order_id) WHERE order_id IS NOT NULL;

CREATE FUNCTION variants_record_stock_movement() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.stock <> OLD.stock THEN
        INSERT INTO stock_movements (variant_id, delta, stock_after, reason, order_id, account_id, note)
        VALUES (
            NEW.id, NEW.stock - OLD.stock, NEW.stock,
            coalesce(nullif(current_setting('duka.stock_reason', true), ''), 'external'),
            nullif(current_setting('duka.stock_order', true), '')::BIGINT,
            nullif(current_setting('duka.stock_account', true), '')::BIGINT,
            left(coalesce(current_setting('duka.stock_note', true), ''), 500));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER variants_record_stock_movement
    AFTER UPDATE OF stock ON variants
    FOR EACH ROW EXECUTE FUNCTION variants_record_stock_movement();

-- New variants open the ledger with their stock, one statement for a whole batch (imports,
-- the seed).
CREATE FUNCTION variants_record_initial_stock() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stock_movements (variant_id, delta, stock_after, reason, account_id)
    SELECT id, stock, stock, 'initial', nullif(current_setting('duka.stock_account', true), '')::BIGINT
    FROM new_rows WHERE stock <> 0;
    RETURN NULL;
END;
$$;
CREATE TRIGGER variants_record_initial_stock
    AFTER INSERT ON variants REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION variants_record_initial_stock();

-- What is on the shelves today starts the ledger.
INSERT INTO stock_movements (variant_id, delta, stock_after, reason)
SELECT id, stock, stock, 'initial' FROM variants WHERE stock <> 0;
