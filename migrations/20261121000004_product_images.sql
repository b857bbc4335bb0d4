-- Product images. The original and its renditions live on disk under the media directory,
-- named by `storage_key` (a hash of the original's bytes), so a name never changes meaning
-- and can be cached forever. Dimensions are stored so pages reserve the space (no layout shift).
CREATE TABLE product_images (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id  BIGINT      NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    position    INTEGER     NOT NULL DEFAULT 0,
    alt         TEXT        NOT NULL,
    storage_key TEXT        NOT NULL,
    width       INTEGER     NOT NULL,
    height      INTEGER     NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT product_images_alt_length CHECK (length(alt) <= 250),
    CONSTRAINT product_images_storage_key_format CHECK (storage_key ~ '^[0-9a-f]{24}$'),
    CONSTRAINT product_images_dimensions CHECK (width BETWEEN 1 AND 10000 AND height BETWEEN 1 AND 10000)
);
CREATE INDEX product_images_product_idx ON product_images (product_id, position, id);

-- A variant may show its own image (the colour it comes in, say).
ALTER TABLE variants
    ADD COLUMN image_id BIGINT REFERENCES product_images (id) ON DELETE SET NULL;
