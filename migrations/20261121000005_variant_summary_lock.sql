-- Fix a race in the listing columns. Two transactions changing different variants of one
-- product each aggregated from their own snapshot, so the second could miss the first's
-- change (both variants sold out, yet in_stock stayed true). Now the trigger locks the product
-- row first and aggregates in a later statement, which in READ COMMITTED sees every change
-- committed before the lock was granted.
CREATE OR REPLACE FUNCTION products_refresh_variant_summary(p_id BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM products WHERE id = p_id FOR UPDATE;
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
END;
$$;
