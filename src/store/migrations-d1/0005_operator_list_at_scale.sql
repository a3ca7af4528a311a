-- Written by `npm run migrations:d1` from src/store/migrations.ts (0005_operator_list_at_scale); do not edit.
drop index "conversations_state";
create index "conversations_state" on "conversations" ("state", "last_activity_at", "phone");
create index "conversations_opted_out" on "conversations" ("opted_out", "last_activity_at", "phone");
