-- Collection pages without whole-subtree work. A category page used to resolve the
-- category's subtree, join every product in it, count them with a window and sort them all
-- for one page of 24 (about 300 ms at 100,000 products, caches off). Now:
--
-- * `category_listings` holds one row per active product per category it is listed under,
--   directly or through a descendant (the subtree is resolved when a product or category
--   changes, not per request), with the columns the listing sorts and filters on. Each sort
--   has an index that walks a category's products in that order, carrying the filter
--   columns, so a page reads about as many index entries as it shows.
-- * `category_term_counts` keeps, per category, how many listed products carry each facet
--   term (`key<US>value`), and how many of those are in stock; the term '' counts the whole
--   category. Facets and totals come from here instead of counting the subtree.
--
-- Both are kept by triggers, in the same transaction as the change that moves them.

CREATE TABLE category_listings (
    category_id     BIGINT NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    product_id      BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    created_at      TIMESTAMPTZ NOT NULL,
    name            TEXT NOT NULL,
    price_min_minor BIGINT,
    in_stock        BOOLEAN NOT NULL,
    facet_terms     TEXT[] NOT NULL,
    PRIMARY KEY (category_id, product_id)
);
CREATE INDEX category_listings_by_product ON category_listings (product_id);
CREATE INDEX category_listings_newest ON category_listings
    (category_id, created_at DESC, product_id DESC) INCLUDE (price_min_minor, in_stock, facet_terms);
CREATE INDEX category_listings_price ON category_listings
    (category_id, price_min_minor, created_at DESC, product_id DESC) INCLUDE (in_stock, facet_terms);
CREATE INDEX category_listings_name ON category_listings
    (category_id, name, created_at DESC, product_id DESC) INCLUDE (price_min_minor, in_stock, facet_terms);

CREATE TABLE category_term_counts (
    category_id BIGINT NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    term        TEXT NOT NULL,
    products    INT NOT NULL CHECK (products >= 0),
    in_stock    INT NOT NULL CHECK (in_stock >= 0 AND in_stock <= products),
    PRIMARY KEY (category_id, term)
);

-- A category and its ancestors, for the categories a product is filed under.
CREATE FUNCTION category_ancestors_of(ids BIGINT[]) RETURNS TABLE (id BIGINT)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE up (id) AS (
        SELECT c.id FROM categories c WHERE c.id = ANY (ids)
        UNION
        SELECT c.parent_id FROM categories c JOIN up ON c.id = up.id WHERE c.parent_id IS NOT NULL
    )
    SELECT id FROM up;
$$;

-- Brings the listing rows of these products in line with the products: a row for every
-- category each active product is listed under, none for the others.
CREATE FUNCTION category_listings_refresh(ids BIGINT[]) RETURNS void
LANGUAGE sql AS $$
    WITH wanted AS (
        SELECT a.id AS category_id, p.id AS product_id, p.created_at, p.name,
               p.price_min_minor, p.in_stock, p.facet_terms
        FROM products p CROSS JOIN LATERAL category_ancestors_of(p.category_ids) a
        WHERE p.id = ANY (ids) AND p.status = 'active'
    ),
    gone AS (
        DELETE FROM category_listings l
        WHERE l.product_id = ANY (ids)
          AND NOT EXISTS (SELECT 1 FROM wanted w
                          WHERE w.category_id = l.category_id AND w.product_id = l.product_id)
    )
    INSERT INTO category_listings AS l
        (category_id, product_id, created_at, name, price_min_minor, in_stock, facet_terms)
    SELECT * FROM wanted ORDER BY category_id, product_id
    ON CONFLICT (category_id, product_id) DO UPDATE
    SET created_at = excluded.created_at, name = excluded.name,
        price_min_minor = excluded.price_min_minor, in_stock = excluded.in_stock,
        facet_terms = excluded.facet_terms
    WHERE (l.created_at, l.name, l.price_min_minor, l.in_stock, l.facet_terms)
          IS DISTINCT FROM
          (excluded.created_at, excluded.name, excluded.price_min_minor, excluded.in_stock,
           excluded.facet_terms);
$$;

-- A bulk writer (the demo seed) may set `duka.defer_listings` for its transaction: the row
-- triggers below then skip their work, and the writer calls category_listings_rebuild()
-- before it commits. Counting row by row, a transaction writing thousands of products would
-- update the same counter rows thousands of times, each update walking the versions before it.
CREATE FUNCTION category_listings_deferred() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('duka.defer_listings', true), '') = 'on';
$$;

CREATE FUNCTION products_refresh_listings() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT category_listings_deferred() THEN
        PERFORM category_listings_refresh(ARRAY[NEW.id]);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER products_listings_insert AFTER INSERT ON products
    FOR EACH ROW WHEN (NEW.status = 'active') EXECUTE FUNCTION products_refresh_listings();
-- Only a change to what a listing shows, sorts or filters on: a stock change that leaves
-- the product in stock, say, never gets here.
CREATE TRIGGER products_listings_update
    AFTER UPDATE OF status, created_at, name, price_min_minor, in_stock, facet_terms, category_ids
    ON products
    FOR EACH ROW
    WHEN ((OLD.status, OLD.created_at, OLD.name, OLD.price_min_minor, OLD.in_stock,
           OLD.facet_terms, OLD.category_ids)
          IS DISTINCT FROM
          (NEW.status, NEW.created_at, NEW.name, NEW.price_min_minor, NEW.in_stock,
           NEW.facet_terms, NEW.category_ids))
    EXECUTE FUNCTION products_refresh_listings();

-- A category moved under another parent: its products are now listed under other ancestors.
CREATE FUNCTION categories_refresh_listings() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM category_listings_refresh(ARRAY(
        WITH RECURSIVE down (id) AS (
            SELECT NEW.id
            UNION
            SELECT c.id FROM categories c JOIN down ON c.parent_id = down.id
        )
        SELECT p.id FROM products p
        WHERE p.category_ids && ARRAY(SELECT id FROM down)));
    RETURN NULL;
END;
$$;

CREATE TRIGGER categories_listings_move AFTER UPDATE OF parent_id ON categories
    FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION categories_refresh_listings();

-- The counts follow the listing rows: +1 for a row's terms (and '') when it appears, -1 when
-- it goes, and the in-stock column with the row's stock. A term gets its row (at zero) the
-- first time a product brings it; the checks then hold for every committed count. Counter
-- rows are locked in key order, so two writers cannot deadlock over one category's terms.
CREATE FUNCTION category_term_counts_add(cat BIGINT, terms TEXT[], products_delta INT,
                                         in_stock_delta INT) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO category_term_counts (category_id, term, products, in_stock)
    SELECT cat, t.term, 0, 0
    FROM (SELECT DISTINCT unnest(array_append(terms, '')) AS term) t
    -- Not for a category being deleted (its counts go with it).
    WHERE products_delta > 0 AND EXISTS (SELECT 1 FROM categories WHERE id = cat)
    ORDER BY t.term
    ON CONFLICT (category_id, term) DO NOTHING;
    -- Locked in term order first: an UPDATE alone takes rows in the order it finds them on
    -- disk, which differs between writers as versions move, and two writers then deadlock.
    SELECT 1 FROM category_term_counts c
    WHERE c.category_id = cat AND c.term = ANY (array_append(terms, ''))
    ORDER BY c.term
    FOR UPDATE;
    UPDATE category_term_counts c
    SET products = c.products + products_delta, in_stock = c.in_stock + in_stock_delta
    WHERE c.category_id = cat AND c.term = ANY (array_append(terms, ''));
$$;

CREATE FUNCTION category_listings_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF category_listings_deferred() THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM category_term_counts_add(OLD.category_id, OLD.facet_terms, -1,
                                         -(OLD.in_stock::int));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM category_term_counts_add(NEW.category_id, NEW.facet_terms, 1, NEW.in_stock::int);
    END IF;
    RETURN NULL;
END;
$$;

-- Every product's listing rows, then every count in one pass (counting a row at a time took
-- minutes at 100,000 products). The migration's backfill, and a deferred bulk write's end.
CREATE FUNCTION category_listings_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('duka.defer_listings', 'on', true);
    PERFORM category_listings_refresh(ARRAY(SELECT id FROM products));
    DELETE FROM category_term_counts;
    INSERT INTO category_term_counts (category_id, term, products, in_stock)
    SELECT category_id, term, count(*), count(*) FILTER (WHERE in_stock)
    FROM category_listings CROSS JOIN LATERAL unnest(array_append(facet_terms, '')) AS term
    GROUP BY category_id, term;
    PERFORM set_config('duka.defer_listings', 'off', true);
END;
$$;

SELECT category_listings_rebuild();

CREATE TRIGGER category_listings_count_insert AFTER INSERT OR DELETE ON category_listings
    FOR EACH ROW EXECUTE FUNCTION category_listings_count();
CREATE TRIGGER category_listings_count_update AFTER UPDATE OF in_stock, facet_terms ON category_listings
    FOR EACH ROW
    WHEN ((OLD.in_stock, OLD.facet_terms) IS DISTINCT FROM (NEW.in_stock, NEW.facet_terms))
    EXECUTE FUNCTION category_listings_count();
