-- Only currencies the code can price in (model::Currency). A row in any other currency would
-- make every page that lists it fail, so the database refuses it. Adding a currency means
-- adding it to model::Currency and to this list in a new migration.
ALTER TABLE products
    DROP CONSTRAINT products_currency_iso,
    ADD CONSTRAINT products_currency_supported CHECK (currency IN ('AED', 'ZMW', 'USD'));
