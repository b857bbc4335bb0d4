-- The live feed of orders (`server::orders::live`): which orders and timeline events are new
-- since a point, found by the transaction that wrote them.
--
-- An id is given when a row is written, not when it commits, so "ids above the last one
-- seen" can skip an order whose transaction committed late. Transaction ids can be bounded
-- safely instead: every transaction below a snapshot's `xmin` has finished, so a reader that
-- keeps that `xmin` as its cursor and reads rows at or above it misses nothing. No NOTIFY:
-- committing transactions that notify are serialised (see migration 31).
ALTER TABLE orders ADD COLUMN created_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE order_events ADD COLUMN created_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX orders_created_xid_idx ON orders (created_xid);
CREATE INDEX order_events_created_xid_idx ON order_events (created_xid);
