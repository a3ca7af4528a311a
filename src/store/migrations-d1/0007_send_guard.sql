-- Written by `npm run migrations:d1` from src/store/migrations.ts (0007_send_guard); do not edit.
create table "code_sends" ("id" integer primary key autoincrement, "prefix" text not null, "country" text, "outcome" text not null, "reason" text, "at" integer not null);
create index "code_sends_at" on "code_sends" ("at", "outcome");
create index "code_sends_prefix" on "code_sends" ("prefix", "at");
create index "code_sends_country" on "code_sends" ("country", "at");
create table "send_allowances" ("id" integer primary key autoincrement, "pattern" text not null unique, "note" text, "created_by" text not null, "created_at" integer not null);
