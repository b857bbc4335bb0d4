-- Product cards show a sale badge: `on_sale` is true when any variant of the product sells
-- below its compare-at price. Kept by the same trigger as the other listing columns, which
-- now also runs when a compare-at price changes.
ALTER TABLE products ADD COLUMN on_sale BOOLEAN NOT NULL DEFAULT false;

CREATE OR REPLACE FUNCTION products_refresh_variant_summary(p_id BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM products WHERE id = p_id FOR UPDATE;
    UPDATE products p
    SET price_min_minor = s.min_price,
        price_max_minor = s.max_price,
        in_stock        = coalesce(s.any_stock, false),
        on_sale         = coalesce(s.any_sale, false)
    FROM (
        SELECT min(price_minor) AS min_price, max(price_minor) AS max_price,
               bool_or(stock > 0) AS any_stock,
               bool_or(compare_at_minor > price_minor) AS any_sale
        FROM variants WHERE product_id = p_id
    ) s
    WHERE p.id = p_id
      AND (p.price_min_minor IS DISTINCT FROM s.min_price
           OR p.price_max_minor IS DISTINCT FROM s.max_price
           OR p.in_stock IS DISTINCT FROM coalesce(s.any_stock, false)
           OR p.on_sale IS DISTINCT FROM coalesce(s.any_sale, false));
END;
$$;

DROP TRIGGER variants_refresh_product ON variants;
CREATE TRIGGER variants_refresh_product
    AFTER INSERT OR DELETE OR UPDATE OF price_minor, compare_at_minor, stock, product_id ON variants
    FOR EACH ROW EXECUTE FUNCTION variants_refresh_product();

UPDATE products p
SET on_sale = true
WHERE EXISTS (SELECT 1 FROM variants v
              WHERE v.product_id = p.id AND v.compare_at_minor > v.price_minor);
