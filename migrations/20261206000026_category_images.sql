-- A category may have a picture (its collection page's banner), stored like products'
-- pictures: named by content under the media directory, with its dimensions.
ALTER TABLE categories
    ADD COLUMN image_key    TEXT,
    ADD COLUMN image_width  INTEGER,
    ADD COLUMN image_height INTEGER,
    ADD CONSTRAINT categories_image_key_format CHECK (image_key ~ '^[0-9a-f]{24}$'),
    ADD CONSTRAINT categories_image_whole CHECK (
        (image_key IS NULL) = (image_width IS NULL) AND (image_key IS NULL) = (image_height IS NULL)),
    ADD CONSTRAINT categories_image_dimensions CHECK (
        image_width BETWEEN 1 AND 10000 AND image_height BETWEEN 1 AND 10000);
