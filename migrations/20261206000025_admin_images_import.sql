-- Staff admin: pictures uploaded from the editor, and catalog imports run as background jobs.

-- A product shows a picture once: uploading the same file again adds nothing.
DELETE FROM product_images a USING product_images b
WHERE a.product_id = b.product_id AND a.storage_key = b.storage_key AND a.id > b.id;
ALTER TABLE product_images
    ADD CONSTRAINT product_images_once UNIQUE (product_id, storage_key);

-- One CSV import: a dry run first (`apply` false), then the same file applied. The file is
-- kept in chunks below, so any server process can run the job and a restarted one resumes
-- after the last committed batch (`rows_done`, always at a product's boundary).
CREATE TABLE catalog_imports (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  BIGINT      REFERENCES accounts (id) ON DELETE SET NULL,
    file_name   TEXT        NOT NULL,
    bytes       BIGINT      NOT NULL DEFAULT 0,
    -- 'duka' or 'shopify', from the header row; '' until it is read.
    format      TEXT        NOT NULL DEFAULT '',
    apply       BOOLEAN     NOT NULL DEFAULT false,
    state       TEXT        NOT NULL DEFAULT 'uploading',
    rows_done   INTEGER     NOT NULL DEFAULT 0,
    bytes_done  BIGINT      NOT NULL DEFAULT 0,
    created     INTEGER     NOT NULL DEFAULT 0,
    updated     INTEGER     NOT NULL DEFAULT 0,
    unchanged   INTEGER     NOT NULL DEFAULT 0,
    failed      INTEGER     NOT NULL DEFAULT 0,
    -- The first problems found, as [{row, column, reason}], and how many there were in all.
    problems      JSONB     NOT NULL DEFAULT '[]',
    problem_count INTEGER   NOT NULL DEFAULT 0,
    -- Why the whole job stopped (a header it cannot read), if it did.
    error       TEXT,
    heartbeat   TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ,
    CONSTRAINT catalog_imports_state_known
        CHECK (state IN ('uploading', 'queued', 'running', 'done', 'failed')),
    CONSTRAINT catalog_imports_format_known CHECK (format IN ('', 'duka', 'shopify')),
    CONSTRAINT catalog_imports_file_name_length CHECK (length(file_name) <= 255)
);
CREATE INDEX catalog_imports_waiting_idx ON catalog_imports (id) WHERE state IN ('queued', 'running');

CREATE TABLE catalog_import_chunks (
    import_id BIGINT  NOT NULL REFERENCES catalog_imports (id) ON DELETE CASCADE,
    n         INTEGER NOT NULL,
    data      BYTEA   NOT NULL,
    PRIMARY KEY (import_id, n)
);

-- A writer that changes many variants of one product at once (an import) may defer the
-- product's price and stock summary to one refresh of its own, per product rather than per
-- variant: it sets `duka.defer_variant_summary` for its transaction and calls
-- products_refresh_variant_summary itself before committing.
CREATE OR REPLACE FUNCTION variants_refresh_product() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('duka.defer_variant_summary', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM products_refresh_variant_summary(OLD.product_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR NEW.product_id <> OLD.product_id) THEN
        PERFORM products_refresh_variant_summary(NEW.product_id);
    END IF;
    RETURN NULL;
END;
$$;
