-- The staff orders list at 100,000 orders: pages follow each other by id (the primary key,
-- read backwards), and each filter that can be selective has an index of its own.

-- What the list's search box matches: the email, the delivery name (lower case) and the
-- phone's digits, so "+971 50" finds "050…" typed any way.
CREATE FUNCTION order_search_text(email TEXT, address JSONB) RETURNS TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT lower(email) || ' ' || lower(coalesce(address ->> 'name', '')) || ' '
                 || regexp_replace(coalesce(address ->> 'phone', ''), '[^0-9]', '', 'g') $$;

CREATE INDEX orders_search_idx ON orders
    USING gin (order_search_text(email, shipping_address) gin_trgm_ops);
CREATE INDEX orders_status_idx ON orders (status, id);
CREATE INDEX orders_country_idx ON orders (shipping_country, id);
CREATE INDEX orders_created_idx ON orders (created_at);
