-- Written by `npm run migrations:d1` from src/store/migrations.ts (0008_operator_sessions); do not edit.
create table "operator_sessions" ("id" text primary key, "created_at" integer not null, "expires_at" integer not null);
