-- Search reads a bounded set of matches (search::MAX_HITS). The product named exactly what
-- was typed must be in it wherever it sits in the table: found through this index first.
CREATE INDEX products_active_lower_name_idx ON products (lower(name)) WHERE status = 'active';
