-- The app's database user by name, when it is not the user that runs the migrations (a separate
-- MigrationDatabaseSecretArn, or RDS Proxy with its own user): migrations run as CURRENT_USER, and
-- without this the app's user would get neither privileges on the tables nor the statement timeout.
--
-- grant_app_role(app_role, statement_timeout_ms) grants it what the app does to every table and
-- sequence, also those later migrations create (the migrating user's default privileges), and sets
-- the statement timeout as that role's default in this database (a pooler drops the startup options
-- that would carry it). The migrate function calls it after every deployment with the user of the
-- app's secret and DB_STATEMENT_TIMEOUT_MS, so a user created after this migration is covered too.
-- Changing another role's settings needs CREATEROLE (the RDS master user has it).
CREATE FUNCTION grant_app_role(app_role name, statement_timeout_ms integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF app_role = current_user THEN
        RETURN;  -- one user for both: it owns everything, and the runner set its timeout already
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', app_role);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', app_role);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', app_role);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', app_role);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO %I', app_role);
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET statement_timeout = %s',
                   app_role, current_database(), statement_timeout_ms);
END
$$;
