-- When a product first waited for the search engine: `/metrics` reports the outbox's oldest
-- waiting product, and a product marked again keeps waiting since its first mark (the mark's
-- upsert leaves the column alone). Rows already waiting count from now.
ALTER TABLE search_outbox ADD COLUMN queued_at TIMESTAMPTZ NOT NULL DEFAULT now();
