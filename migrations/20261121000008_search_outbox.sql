-- The search outbox: products whose document in an external search engine (Meilisearch) is
-- out of date. Triggers write it in the same transaction as the change, so no catalog change
-- can commit without its row, whoever the writer is. A worker pushes the product's current
-- document (or deletes it) and removes the row only if it was not marked again meanwhile.
--
-- One row per product: a burst of changes to one product is one push, and the table never
-- holds more rows than there are products, even while no engine is configured or the engine
-- is down. No foreign key: the row of a deleted product tells the worker to delete its
-- document.
CREATE SEQUENCE search_outbox_version;

CREATE TABLE search_outbox (
    product_id      BIGINT      PRIMARY KEY,
    -- Bumped on every new mark; the worker deletes the row only at the version it pushed.
    version         BIGINT      NOT NULL DEFAULT nextval('search_outbox_version'),
    attempts        INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error      TEXT,
    CONSTRAINT search_outbox_attempts_non_negative CHECK (attempts >= 0),
    CONSTRAINT search_outbox_error_length CHECK (length(last_error) <= 2000)
);

CREATE INDEX search_outbox_due_idx ON search_outbox (next_attempt_at, version);

-- While a full reindex runs, the worker holds back (its pushes would land in the index being
-- replaced); what it holds back is pushed into the new index after the swap. A lease, so a
-- crashed reindex stops holding the worker back once it expires.
CREATE TABLE search_reindex (
    singleton   BOOLEAN     PRIMARY KEY DEFAULT true CHECK (singleton),
    index_name  TEXT        NOT NULL,
    lease_until TIMESTAMPTZ NOT NULL
);

CREATE FUNCTION search_outbox_mark(ids BIGINT[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO search_outbox (product_id)
    SELECT DISTINCT id FROM unnest(ids) AS id WHERE id IS NOT NULL
    ON CONFLICT (product_id) DO UPDATE
    SET version = nextval('search_outbox_version'),
        attempts = 0,
        next_attempt_at = now(),
        last_error = NULL;
$$;

-- Products, their category links and their pictures: the rows changed name the products.
-- (An update of a link can move it to another product: both are marked.)
CREATE FUNCTION search_outbox_from_products() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM search_outbox_mark(ARRAY(SELECT id FROM old_rows));
    ELSE
        PERFORM search_outbox_mark(ARRAY(SELECT id FROM new_rows));
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION search_outbox_from_product_links() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM search_outbox_mark(ARRAY(SELECT product_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM search_outbox_mark(ARRAY(SELECT product_id FROM old_rows));
    ELSE
        PERFORM search_outbox_mark(ARRAY(
            SELECT product_id FROM new_rows UNION SELECT product_id FROM old_rows));
    END IF;
    RETURN NULL;
END;
$$;

DO $$
DECLARE
    t TEXT;
    f TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['products', 'product_categories', 'product_images']
    LOOP
        f := CASE WHEN t = 'products' THEN 'search_outbox_from_products'
                  ELSE 'search_outbox_from_product_links' END;
        EXECUTE format(
            'CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t || '_search_outbox_insert', t, f);
        EXECUTE format(
            'CREATE TRIGGER %I AFTER UPDATE ON %I '
            'REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t || '_search_outbox_update', t, f);
        EXECUTE format(
            'CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
            'FOR EACH STATEMENT EXECUTE FUNCTION %I()', t || '_search_outbox_delete', t, f);
    END LOOP;
END;
$$;

-- Variants reach documents through the products row (price range and stock flag, kept by
-- `products_refresh_variant_summary`, which updates the product only when they change), so
-- a stock change that leaves a product in stock marks nothing.

-- A category renamed, re-slugged or moved changes the documents of every product in it or
-- below it (documents carry category names and ancestors).
CREATE FUNCTION search_outbox_from_categories() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_outbox_mark(ARRAY(
        WITH RECURSIVE changed AS (
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.name, n.slug, n.parent_id) IS DISTINCT FROM (o.name, o.slug, o.parent_id)
            UNION
            SELECT c.id FROM categories c JOIN changed ON c.parent_id = changed.id
        )
        SELECT DISTINCT pc.product_id
        FROM product_categories pc JOIN changed ON pc.category_id = changed.id));
    RETURN NULL;
END;
$$;

CREATE TRIGGER categories_search_outbox_update AFTER UPDATE ON categories
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_from_categories();
