-- Each product carries the ids of the categories it is filed under, kept with its category
-- names by the same triggers, so a search filters by category (`category_ids && subtree`)
-- and counts its category facet without joining `product_categories` row by row.
ALTER TABLE products ADD COLUMN category_ids BIGINT[] NOT NULL DEFAULT '{}';

CREATE OR REPLACE FUNCTION products_refresh_category_names(ids BIGINT[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE products p
    SET category_names = coalesce((
            SELECT string_agg(c.name, ' ' ORDER BY c.name)
            FROM product_categories pc JOIN categories c ON c.id = pc.category_id
            WHERE pc.product_id = p.id), ''),
        category_ids = coalesce((
            SELECT array_agg(pc.category_id ORDER BY pc.category_id)
            FROM product_categories pc
            WHERE pc.product_id = p.id), '{}')
    WHERE p.id = ANY (ids);
$$;

UPDATE products p SET category_ids = coalesce((
    SELECT array_agg(pc.category_id ORDER BY pc.category_id)
    FROM product_categories pc WHERE pc.product_id = p.id), '{}');
