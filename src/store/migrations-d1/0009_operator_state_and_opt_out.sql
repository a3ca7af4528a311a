-- Written by `npm run migrations:d1` from src/store/migrations.ts (0009_operator_state_and_opt_out); do not edit.
create index "conversations_opted_out_state" on "conversations" ("opted_out", "state", "last_activity_at", "phone");
