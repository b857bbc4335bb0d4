-- Product names as their own tsvector, indexed. "Every word in the name" (the second tier of
-- a search's bounded read) is then answered by this index alone: the same test on
-- `search_vector` (words with weight A) is lossy in its GIN index, so it fetched and
-- rechecked every product with the words anywhere, name or not.
ALTER TABLE products ADD COLUMN name_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('english', name)) STORED;
CREATE INDEX products_name_search_idx ON products USING gin (name_vector) WHERE status = 'active';
