-- Checkout takes an order's stock in one round trip, as the last step before it commits, so
-- a popular variant's row stays locked for as little of the transaction as possible.
--
-- Each variant is taken with a guarded update (`stock >= quantity`), in variant id order, so
-- two orders sharing variants lock them in the same order and cannot deadlock. The ledger's
-- trigger records each as sold by `order_id`. Returns the first variant that is short (the
-- caller rolls back), or NULL when every line was taken.
CREATE FUNCTION checkout_take_stock(order_id BIGINT, variant_ids BIGINT[], quantities INTEGER[])
RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
    line RECORD;
BEGIN
    PERFORM set_config('duka.stock_reason', 'sold', true),
            set_config('duka.stock_order', order_id::TEXT, true),
            set_config('duka.stock_account', '', true),
            set_config('duka.stock_note', '', true);
    FOR line IN
        SELECT v.id, sum(v.quantity)::INTEGER AS quantity
        FROM unnest(variant_ids, quantities) AS v(id, quantity)
        GROUP BY v.id ORDER BY v.id
    LOOP
        UPDATE variants SET stock = stock - line.quantity
        WHERE id = line.id AND stock >= line.quantity;
        IF NOT FOUND THEN
            RETURN line.id;
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;

-- A sale no longer notifies the catalog's listeners, unless a page would show it.
--
-- Every committed change to `variants` sent `NOTIFY duka_catalog`, checkout's stock updates
-- too. PostgreSQL serialises committing transactions that notify (one global lock, held
-- until the commit is on disk), so orders committed one after another instead of together:
-- about 250 a second at most here, whatever the hardware could do. It also retired every
-- cached page on every sale.
--
-- A page shows a variant's stock only up to the low-stock threshold (the storefront's
-- `StockStatus::LOW_STOCK`, 5: "only a few left", sold out, or in stock), and a product's
-- in-stock flag is kept on `products` (whose own trigger notifies). So an update of a variant
-- notifies when anything but its stock changed, or when its stock moved below or across 5.
DROP TRIGGER variants_notify_change ON variants;
CREATE TRIGGER variants_notify_change
    AFTER INSERT OR DELETE OR TRUNCATE ON variants
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_notify_change();
CREATE TRIGGER variants_notify_shown_change
    AFTER UPDATE ON variants
    FOR EACH ROW
    WHEN ((to_jsonb(OLD) - 'stock' - 'updated_at') IS DISTINCT FROM (to_jsonb(NEW) - 'stock' - 'updated_at')
          OR least(OLD.stock, 5) <> least(NEW.stock, 5))
    EXECUTE FUNCTION catalog_notify_change();

-- A sale that leaves a variant in stock changes nothing of its product's summary (price range,
-- in stock, on sale): the variant was in stock and still is, so the product is too. The
-- summary's refresh (which locks the product's row, and whose update of `products`, even of
-- no row, notified the catalog's listeners) runs only for the changes that can move it.
DROP TRIGGER variants_refresh_product ON variants;
CREATE TRIGGER variants_refresh_product
    AFTER INSERT OR DELETE ON variants
    FOR EACH ROW EXECUTE FUNCTION variants_refresh_product();
CREATE TRIGGER variants_refresh_product_on_update
    AFTER UPDATE OF price_minor, compare_at_minor, stock, product_id ON variants
    FOR EACH ROW
    WHEN (NOT (OLD.stock > 0 AND NEW.stock > 0
               AND OLD.price_minor = NEW.price_minor
               AND OLD.compare_at_minor IS NOT DISTINCT FROM NEW.compare_at_minor
               AND OLD.product_id = NEW.product_id))
    EXECUTE FUNCTION variants_refresh_product();
