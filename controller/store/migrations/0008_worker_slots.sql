-- How many jobs each worker runs at once (WorkerInfo.slots, at least 1): a
-- worker with K slots holds up to K leases under its one id, and counts K
-- times in the jobs a search keeps in flight.
ALTER TABLE workers ADD COLUMN slots INT NOT NULL DEFAULT 1 CHECK (slots BETWEEN 1 AND 64);
