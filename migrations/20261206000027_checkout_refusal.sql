-- The last checkout step a shopper sent that was refused, with what they typed (email,
-- address, coupon code) and the error, so the checkout page shows the error under its field
-- with every value kept, and never in the URL. Cleared by the next step that succeeds; goes
-- with the cart.
ALTER TABLE carts ADD COLUMN checkout_refusal JSONB;
