#!/bin/sh
# Creates the Temporal server's two PostgreSQL databases (persistence and visibility) when they do
# not exist and brings both to the newest schema, with the server's own SQL tool. Safe to run
# again: an existing database is kept, and only the schema versions it lacks are applied.
#
# docker-compose.yml runs it in the temporalio/admin-tools image (the `setup-schema` step); the
# cluster suite (npm run test:cluster) runs it with the SQL tool and the schemas of the server's
# Go module. Variables:
#
#   POSTGRES_SEEDS, DB_PORT (5432), POSTGRES_USER, POSTGRES_PWD   where PostgreSQL is
#   DBNAME (temporal), VISIBILITY_DBNAME (temporal_visibility)   as deploy/temporal/config.yaml has them
#   TEMPORAL_SQL_TOOL (temporal-sql-tool)                        the server's SQL tool
#   TEMPORAL_SCHEMA_DIR (/etc/temporal/schema/postgresql/v12)    the server's PostgreSQL schemas
set -eu

: "${POSTGRES_SEEDS:?is not set: the PostgreSQL host}"
: "${POSTGRES_USER:?is not set: the PostgreSQL user}"
schemas=${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}
# The tool reads the password from SQL_PASSWORD, which keeps it off the command line.
SQL_PASSWORD=${POSTGRES_PWD:-}
export SQL_PASSWORD

sql() {
  "${TEMPORAL_SQL_TOOL:-temporal-sql-tool}" --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" "$@"
}

db=${DBNAME:-temporal}
echo "$db: the persistence schema"
sql --db "$db" create-database
sql --db "$db" setup-schema -v 0.0
sql --db "$db" update-schema -d "$schemas/temporal/versioned"

db=${VISIBILITY_DBNAME:-temporal_visibility}
echo "$db: the visibility schema"
sql --db "$db" create-database
sql --db "$db" setup-schema -v 0.0
sql --db "$db" update-schema -d "$schemas/visibility/versioned"

echo "both schemas are up to date"
