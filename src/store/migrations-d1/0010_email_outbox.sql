-- Written by `npm run migrations:d1` from src/store/migrations.ts (0010_email_outbox); do not edit.
create table "email_outbox" ("id" integer primary key autoincrement, "ref" text not null unique, "phone" text not null, "kind" text not null, "to_address" text not null, "language" text not null, "subject" text not null, "body_text" text not null, "body_html" text not null, "status" text not null, "attempts" integer default 0 not null, "next_attempt_at" integer, "transport_id" text, "last_error" text, "created_at" integer not null, "updated_at" integer not null);
create index "email_outbox_due" on "email_outbox" ("status", "next_attempt_at");
create index "email_outbox_phone" on "email_outbox" ("phone", "id");
alter table "users" add column "email_verified_at" integer;
