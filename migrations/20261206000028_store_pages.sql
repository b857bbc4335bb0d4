-- The shop's own pages (about, contact, delivery, returns and refunds, privacy, terms), in
-- the rich-text format descriptions use. Seeded with sensible defaults the owner edits; payment
-- providers require the policies to be reachable, so the footer links to every one.
CREATE TABLE store_pages (
    slug TEXT PRIMARY KEY CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 60),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
    body TEXT NOT NULL CHECK (length(body) <= 60000),
    position INT NOT NULL DEFAULT 0,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO store_pages (slug, title, position, body) VALUES
('about', 'About us', 1, $$We are an independent shop. We choose every product we sell, describe it honestly and price it fairly.

## How we work
- Every price on the site includes VAT where the law asks for it, and what you see at checkout is what you pay.
- Stock is counted live: if an item is in your cart and shown as available, it is there for you.
- Questions go to a person, not a robot. See our contact page.$$),
('contact', 'Contact us', 2, $$We answer every message within one working day.

## Email
Reply to any email we have sent you, or write to the address in your order confirmation. Include your order number if you have one: it is in the confirmation and on your order page.

## Opening hours
Sunday to Thursday, 9:00 to 18:00. Messages sent outside these hours are answered the next working day.$$),
('delivery', 'Delivery', 3, $$We deliver to the countries shown at checkout. The delivery options and their prices for your address are shown before you pay, and free delivery applies automatically when your order reaches the threshold.

## When it arrives
- Orders placed before 14:00 on a working day are packed the same day.
- Standard delivery takes 2 to 3 working days; express takes 1.
- We email you when your order ships, with the courier's tracking number.

## Cash on delivery
Where cash on delivery is offered, please have the exact amount ready: couriers may not carry change.$$),
('returns', 'Returns and refunds', 4, $$You can return any item within 14 days of delivery, unused and in its original packaging, for a full refund of its price.

## How to return
- Contact us with your order number and the items you are returning.
- We tell you where to send them, or arrange a collection where we can.
- Once the items reach us we refund you within 5 working days, to the way you paid. Cash on delivery orders are refunded by bank transfer.

## Faulty or wrong items
If something arrives damaged or is not what you ordered, tell us within 14 days and we pay for the return and send a replacement or refund, as you prefer.$$),
('privacy', 'Privacy policy', 5, $$We collect only what we need to take and deliver your order: your name, email, phone and delivery address, and what you bought.

## What we do with it
- We use it to deliver your order, send you emails about it, and answer your questions.
- Card payments are handled by our payment provider; we never see or store your card number.
- We do not sell your data, and we share it only with the courier delivering your order and the payment provider.

## Your rights
With an account you can download everything we hold about you, or delete your account, from the account pages at any time. Without one, contact us and we do it for you.

## Cookies
We use only the cookies the shop needs to work: your cart and, if you sign in, your session. No advertising or tracking cookies.$$),
('terms', 'Terms of service', 6, $$These terms apply to every order placed on this site.

## Orders
An order is a contract once we confirm it by email. If an item turns out to be unavailable after all, we tell you at once and refund anything paid for it.

## Prices
Prices are shown in the shop's currency and include VAT where the law asks for it. Delivery is charged as shown at checkout. If a price is wrong because of an obvious mistake, we tell you before shipping and you may cancel.

## Liability
Nothing in these terms limits your rights as a consumer under the law of your country.$$);

-- Pages are cached and rendered into every page's footer: a change retires the caches like
-- a catalog change.
CREATE TRIGGER store_pages_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON store_pages FOR EACH STATEMENT EXECUTE FUNCTION catalog_notify_change();
