-- Carts: one per signed-in customer, or one per guest (found by the SHA-256 of the random
-- token in the guest's cookie). Lines hold only the variant and the quantity: prices are
-- always read from the catalog when the cart is shown or checked out.
CREATE TABLE carts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash BYTEA UNIQUE,
    account_id BIGINT UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT carts_one_owner CHECK ((token_hash IS NULL) <> (account_id IS NULL)),
    CONSTRAINT carts_token_hash_length CHECK (token_hash IS NULL OR length(token_hash) = 32)
);
CREATE INDEX carts_expires_idx ON carts (expires_at);

CREATE TABLE cart_lines (
    cart_id BIGINT NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    variant_id BIGINT NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    quantity INTEGER NOT NULL,
    added_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (cart_id, variant_id),
    CONSTRAINT cart_lines_quantity_range CHECK (quantity BETWEEN 1 AND 999)
);
CREATE INDEX cart_lines_variant_idx ON cart_lines (variant_id);
