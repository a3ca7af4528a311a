-- Written by `npm run migrations:d1` from src/store/migrations.ts (0003_one_commit_per_turn); do not edit.
alter table "conversations" drop column "lease_owner";
alter table "conversations" drop column "lease_until";
alter table "conversations" add column "pending_call" text;
