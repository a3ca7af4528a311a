-- Written by `npm run migrations:d1` from src/store/migrations.ts (0001_conversations); do not edit.
create table "conversations" ("phone" text primary key, "state" text not null, "snapshot" text, "machine_version" integer not null, "row_version" integer default 0 not null, "opted_out" integer default 0 not null, "email" text, "lease_owner" text, "lease_until" integer, "created_at" integer not null, "updated_at" integer not null, "last_activity_at" integer not null);
create index "conversations_state" on "conversations" ("state", "last_activity_at");
create index "conversations_activity" on "conversations" ("last_activity_at", "phone");
create table "users" ("id" integer primary key autoincrement, "phone" text not null unique, "country_code" text not null, "national_number" text not null, "email" text not null, "provider_id" text, "verified_at" integer, "created_at" integer not null, "updated_at" integer not null);
create index "users_email" on "users" ("email", "verified_at");
create table "messages" ("id" integer primary key autoincrement, "phone" text not null, "direction" text not null, "channel" text not null, "body" text not null, "twilio_sid" text, "status" text not null, "error_code" integer, "error_message" text, "attempts" integer default 0 not null, "next_attempt_at" integer, "created_at" integer not null, "updated_at" integer not null);
create index "messages_phone" on "messages" ("phone", "id");
create index "messages_outbox" on "messages" ("status", "next_attempt_at");
create index "messages_sid" on "messages" ("twilio_sid");
create table "transitions" ("id" integer primary key autoincrement, "phone" text not null, "from_state" text not null, "event" text not null, "to_state" text not null, "at" integer not null);
create index "transitions_phone" on "transitions" ("phone", "id");
create table "webhook_claims" ("message_sid" text primary key, "phone" text not null, "status" text not null, "replies" text, "claimed_at" integer not null, "completed_at" integer);
create index "webhook_claims_claimed" on "webhook_claims" ("claimed_at");
