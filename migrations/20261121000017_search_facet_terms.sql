-- Facet counting reads up to search::MAX_HITS + 1 matches per search. Expanding each match's
-- `attributes` with jsonb_each_text costs a function scan per row; an array of its
-- `key<US>value` terms, kept beside it, is unnested and counted several times faster.
-- Keys never hold the separator (U+001F): facet keys are lowercase letters, digits, `_` and
-- `-`; a key that did would be left out of the facets rather than split wrongly.
CREATE FUNCTION product_facet_terms(attributes JSONB) RETURNS TEXT[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT ARRAY(SELECT kv.key || chr(31) || kv.value
                     -- Not an object: no terms (the table's check constraint rejects it).
                     FROM jsonb_each_text(CASE jsonb_typeof(attributes)
                                              WHEN 'object' THEN attributes ELSE '{}' END) AS kv
                     WHERE strpos(kv.key, chr(31)) = 0
                     ORDER BY kv.key)
    $$;

ALTER TABLE products
    ADD COLUMN facet_terms TEXT[] GENERATED ALWAYS AS (product_facet_terms(attributes)) STORED;
