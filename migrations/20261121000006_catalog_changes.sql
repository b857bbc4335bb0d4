-- Catalog change notifications, and two integrity rules the first catalog migration missed.

-- Every committed change to the catalog sends one NOTIFY on `duka_catalog` per table and
-- transaction (PostgreSQL folds identical notifications within a transaction and delivers
-- them only on commit). Running servers listen and retire their cached catalog reads and
-- pages, so any writer (the admin, checkout's stock updates, a psql session) invalidates.
CREATE FUNCTION catalog_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('duka_catalog', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;

DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['products', 'variants', 'categories', 'product_categories',
                             'product_options', 'product_option_values',
                             'variant_option_values', 'product_images']
    LOOP
        EXECUTE format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION catalog_notify_change()',
            t || '_notify_change', t);
    END LOOP;
END;
$$;

-- A variant's chosen value must be a value of the option it is filed under.
ALTER TABLE product_option_values
    ADD CONSTRAINT product_option_values_option_id_key UNIQUE (option_id, id);
ALTER TABLE variant_option_values
    ADD CONSTRAINT variant_option_values_value_of_option
        FOREIGN KEY (option_id, option_value_id)
        REFERENCES product_option_values (option_id, id) ON DELETE CASCADE;

-- A variant's own image must be one of its product's images.
ALTER TABLE product_images
    ADD CONSTRAINT product_images_product_id_key UNIQUE (product_id, id);
ALTER TABLE variants
    DROP CONSTRAINT variants_image_id_fkey,
    ADD CONSTRAINT variants_image_of_product
        FOREIGN KEY (product_id, image_id)
        REFERENCES product_images (product_id, id) ON DELETE SET NULL (image_id);
