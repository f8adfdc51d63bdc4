-- pgbench script: the raw baseline's order-shaped transaction (bench/raw.py creates the
-- scratch tables in its own database): 1 order row, 3 lines, a payment, a charge and
-- 3 stock reservation updates, in one transaction.
BEGIN;
INSERT INTO raw_orders (id, number, store_code, customer_account, status, total_amount, created_at) VALUES (nextval('raw_order_ids'), 'SO-' || currval('raw_order_ids'), 'S001', 'C0001', 'open', 23045, now());
INSERT INTO raw_lines (order_id, line_number, sku, quantity, unit_price_amount) VALUES (currval('raw_order_ids'), 1, 'LAMP-FLOOR', 1, 14999);
INSERT INTO raw_lines (order_id, line_number, sku, quantity, unit_price_amount) VALUES (currval('raw_order_ids'), 2, 'PILLOW-2', 1, 3999);
INSERT INTO raw_lines (order_id, line_number, sku, quantity, unit_price_amount) VALUES (currval('raw_order_ids'), 3, 'VASE-GLASS', 1, 2499);
INSERT INTO raw_payments (order_id, tender, amount, created_at) VALUES (currval('raw_order_ids'), 'cash', 2305, now());
INSERT INTO raw_charges (order_id, code, amount) VALUES (currval('raw_order_ids'), 'DELIVERY', 0);
UPDATE raw_stock SET reserved_qty = reserved_qty + 1 WHERE location = 'S001' AND sku = 'LAMP-FLOOR';
UPDATE raw_stock SET reserved_qty = reserved_qty + 1 WHERE location = 'S001' AND sku = 'PILLOW-2';
UPDATE raw_stock SET reserved_qty = reserved_qty + 1 WHERE location = 'S001' AND sku = 'VASE-GLASS';
END;
