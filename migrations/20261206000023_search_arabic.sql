-- Arabic text is searchable however it is spelt: letters that people write in several forms
-- are folded to one before indexing and before searching (the search's words are folded the
-- same way in `model::search::fold_arabic`). Alef with hamza or madda and alef wasla become
-- alef, alef maqsura becomes yeh, taa marbuta becomes heh, hamza on waw or yeh becomes the bare
-- letter, and tatweel and the diacritics (harakat, shadda, sukun, superscript alef) go.
CREATE FUNCTION search_fold(t TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT translate(t, 'أإآٱىةؤئـًٌٍَُِّْٰٕٖٜٟٓٔٗ٘ٙٚٛٝٞ', 'اااايهوي')
$$;

-- The vectors are rebuilt from folded text (the generated columns are redefined; their
-- indexes with them).
ALTER TABLE products DROP COLUMN search_vector;
ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', search_fold(name)), 'A')
    || setweight(to_tsvector('english', search_fold(brand || ' ' || category_names)), 'B')
    || setweight(jsonb_to_tsvector('english', search_fold(attributes::text)::jsonb, '["string"]'), 'C')
    || setweight(to_tsvector('english', search_fold(description)), 'D')
) STORED;
CREATE INDEX products_search_idx ON products USING gin (search_vector);

ALTER TABLE products DROP COLUMN name_vector;
ALTER TABLE products ADD COLUMN name_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('english', search_fold(name))) STORED;
CREATE INDEX products_name_search_idx ON products USING gin (name_vector) WHERE status = 'active';
CREATE INDEX products_name_slice_idx ON products USING gin (name_vector)
    WHERE status = 'active' AND (hashint8(id) & 7) = 0;
CREATE INDEX products_name_slice1_idx ON products USING gin (name_vector)
    WHERE status = 'active' AND (hashint8(id) & 7) = 1;

-- The vocabulary typos are corrected against, folded too.
CREATE OR REPLACE FUNCTION search_words_add(texts TEXT[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO search_words (word)
    SELECT DISTINCT w
    FROM unnest(texts) t, regexp_split_to_table(lower(search_fold(t)), '[^[:alnum:]]+') w
    WHERE length(w) BETWEEN 3 AND 40 AND w !~ '^[0-9]+$'
    ON CONFLICT DO NOTHING;
$$;
SELECT search_words_add(ARRAY(SELECT name || ' ' || brand FROM products));
SELECT search_words_add(ARRAY(SELECT name FROM categories));
