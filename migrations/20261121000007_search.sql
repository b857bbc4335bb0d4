-- PostgreSQL full-text search: the embedded search engine (Meilisearch is optional).
--
-- Each product carries a weighted tsvector: name (A), brand and category names (B),
-- attribute values (C), description (D). `english` stems English words and leaves other
-- scripts (Arabic) as whole words. Typos are corrected against `search_words`, the words of
-- product names, brands and categories, with trigram similarity (pg_trgm).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Category names of the product's categories, kept by the triggers below.
ALTER TABLE products ADD COLUMN category_names TEXT NOT NULL DEFAULT '';

ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', name), 'A')
    || setweight(to_tsvector('english', brand || ' ' || category_names), 'B')
    || setweight(jsonb_to_tsvector('english', attributes, '["string"]'), 'C')
    || setweight(to_tsvector('english', description), 'D')
) STORED;
CREATE INDEX products_search_idx ON products USING gin (search_vector) WHERE status = 'active';

CREATE FUNCTION products_refresh_category_names(ids BIGINT[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE products p
    SET category_names = coalesce((
        SELECT string_agg(c.name, ' ' ORDER BY c.name)
        FROM product_categories pc JOIN categories c ON c.id = pc.category_id
        WHERE pc.product_id = p.id), '')
    WHERE p.id = ANY (ids);
$$;

CREATE FUNCTION product_categories_refresh_names() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM products_refresh_category_names(ARRAY(SELECT DISTINCT product_id FROM new_rows));
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM products_refresh_category_names(ARRAY(SELECT DISTINCT product_id FROM old_rows));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER product_categories_names_insert AFTER INSERT ON product_categories
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_categories_refresh_names();
CREATE TRIGGER product_categories_names_update AFTER UPDATE ON product_categories
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_categories_refresh_names();
CREATE TRIGGER product_categories_names_delete AFTER DELETE ON product_categories
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_categories_refresh_names();

CREATE FUNCTION categories_refresh_product_names() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM products_refresh_category_names(ARRAY(
        SELECT pc.product_id FROM product_categories pc WHERE pc.category_id = NEW.id));
    RETURN NULL;
END;
$$;
CREATE TRIGGER categories_refresh_product_names AFTER UPDATE OF name ON categories
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION categories_refresh_product_names();

UPDATE products SET category_names = coalesce((
    SELECT string_agg(c.name, ' ' ORDER BY c.name)
    FROM product_categories pc JOIN categories c ON c.id = pc.category_id
    WHERE pc.product_id = products.id), '');

-- The vocabulary typos are corrected against. Words are only added (a stale word can only
-- suggest a correction that finds nothing, and the search then says so).
CREATE TABLE search_words (
    word TEXT PRIMARY KEY,
    CONSTRAINT search_words_length CHECK (length(word) BETWEEN 3 AND 40)
);
CREATE INDEX search_words_trgm_idx ON search_words USING gist (word gist_trgm_ops);

CREATE FUNCTION search_words_add(texts TEXT[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO search_words (word)
    SELECT DISTINCT w
    FROM unnest(texts) t, regexp_split_to_table(lower(t), '[^[:alnum:]]+') w
    WHERE length(w) BETWEEN 3 AND 40 AND w !~ '^[0-9]+$'
    ON CONFLICT DO NOTHING;
$$;

CREATE FUNCTION products_add_search_words() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_words_add(ARRAY(SELECT name || ' ' || brand FROM new_rows));
    RETURN NULL;
END;
$$;
CREATE TRIGGER products_search_words_insert AFTER INSERT ON products
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION products_add_search_words();
-- Renames are rare and stock changes update products often: only a changed name counts.
CREATE FUNCTION products_add_renamed_search_words() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_words_add(ARRAY[NEW.name || ' ' || NEW.brand]);
    RETURN NULL;
END;
$$;
CREATE TRIGGER products_search_words_update AFTER UPDATE OF name, brand ON products
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.brand IS DISTINCT FROM NEW.brand)
    EXECUTE FUNCTION products_add_renamed_search_words();

CREATE FUNCTION categories_add_search_words() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_words_add(ARRAY(SELECT name FROM new_rows));
    RETURN NULL;
END;
$$;
CREATE TRIGGER categories_search_words_insert AFTER INSERT ON categories
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION categories_add_search_words();
CREATE FUNCTION categories_add_renamed_search_words() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_words_add(ARRAY[NEW.name]);
    RETURN NULL;
END;
$$;
CREATE TRIGGER categories_search_words_update AFTER UPDATE OF name ON categories
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION categories_add_renamed_search_words();

SELECT search_words_add(ARRAY(SELECT name || ' ' || brand FROM products));
SELECT search_words_add(ARRAY(SELECT name FROM categories));
