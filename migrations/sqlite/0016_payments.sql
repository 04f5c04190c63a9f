-- Payments (issue 9, items 1 and 2): a payment is a tranche of the contract's
-- plan or a start-up fund (创业项目资金) outside the contract amount; staff
-- approve it and record its payment (date, voucher). A terminated contract
-- keeps who ended it, when and why.
ALTER TABLE payment_tranches ADD COLUMN kind TEXT NOT NULL DEFAULT 'tranche';
ALTER TABLE payment_tranches ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_tranches ADD COLUMN approved_at DATETIME;
ALTER TABLE payment_tranches ADD COLUMN approved_by INTEGER REFERENCES users (id);
ALTER TABLE payment_tranches ADD COLUMN paid_on TEXT;
ALTER TABLE payment_tranches ADD COLUMN voucher_no TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_tranches ADD COLUMN paid_by INTEGER REFERENCES users (id);
CREATE INDEX payment_tranches_status ON payment_tranches (status, contract_id);
ALTER TABLE contracts ADD COLUMN terminated_at DATETIME;
ALTER TABLE contracts ADD COLUMN terminated_by INTEGER REFERENCES users (id);
ALTER TABLE contracts ADD COLUMN termination_reason TEXT NOT NULL DEFAULT '';
