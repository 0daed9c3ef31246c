-- The dashboard's own PostgreSQL role, with the least rights it needs (docs/deploy.md).
-- Run as the owner of the database once the schema exists (any `python -m indicators` command run
-- as the owner creates it), e.g.:
--   psql "postgresql://indicators_owner@db/indicators" -v app_role=indicators_app -v schema=public \
--        -f deploy/postgres-app-role.sql
-- The app reads and writes ledgers, batches and users; the audit trail and the targets' history it
-- may only read and append to. It creates no table: schema upgrades are run by the owner.
SET search_path TO :"schema";
GRANT USAGE ON SCHEMA :"schema" TO :"app_role";
GRANT SELECT ON alembic_version TO :"app_role";
GRANT SELECT, INSERT, UPDATE ON batches, batch_files, petitions_versions, litigation_versions, training_versions, users
    TO :"app_role";
GRANT SELECT, INSERT ON audit, target_changes, petitions_tally_codes TO :"app_role";
REVOKE UPDATE, DELETE, TRUNCATE ON audit FROM :"app_role";
GRANT USAGE ON ALL SEQUENCES IN SCHEMA :"schema" TO :"app_role";
