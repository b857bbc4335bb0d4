-- A second eighth of the product names' words (id hashing to 1 in its three low bits), read
-- after the first (migration _20) and before the rest. A word in 1,000 to 4,000 names fills
-- a search's bounded read (501 matches) only with more than the first slice: it went on to
-- the whole index and decoded the word's whole list (3,225 products for "linen", 0.6 ms at
-- 100,000 products; "cotton dress" intersected two lists of 19,402 and 9,790, 1.6 ms), where
-- this slice holds an eighth of it (search/postgres.rs, `best`).
CREATE INDEX products_name_slice1_idx ON products USING gin (name_vector)
    WHERE status = 'active' AND (hashint8(id) & 7) = 1;
