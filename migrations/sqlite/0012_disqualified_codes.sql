-- A disqualification the portal makes itself (a listed credit check) keeps
-- a reason code, shown in the reader's language; disqualified_reason keeps
-- the staff's words, or the code's stable English for the API.
ALTER TABLE bids ADD COLUMN disqualified_code TEXT NOT NULL DEFAULT '';
UPDATE bids SET disqualified_code = 'credit_listed' WHERE disqualified_reason = 'credit check: listed';
