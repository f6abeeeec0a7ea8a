-- Runs once, when the PostgreSQL container initialises an empty data directory
-- (docker-entrypoint-initdb.d), as POSTGRES_USER. One database per service: no service reads
-- another's tables (DESIGN §1). Per-service roles come with the production issue.
CREATE DATABASE gateway;
CREATE DATABASE customers;
CREATE DATABASE billing;
CREATE DATABASE assets;
CREATE DATABASE comms;
CREATE DATABASE accounting_sync;
CREATE DATABASE servicing;
CREATE DATABASE files;
CREATE DATABASE webhooks;
