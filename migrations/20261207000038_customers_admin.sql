-- The staff customers list at 100,000 accounts: its search matches the email, the name and
-- the phone digits of any saved address anywhere in the text (trigram indexes), and pages
-- follow each other by id.
CREATE FUNCTION phone_digits(phone TEXT) RETURNS TEXT
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g') $$;

CREATE INDEX accounts_search_idx ON accounts
    USING gin ((lower(email) || ' ' || lower(name)) gin_trgm_ops) WHERE role = 'customer';
CREATE INDEX addresses_phone_idx ON addresses USING gin (phone_digits(phone) gin_trgm_ops);
CREATE INDEX accounts_customers_idx ON accounts (id) WHERE role = 'customer';
