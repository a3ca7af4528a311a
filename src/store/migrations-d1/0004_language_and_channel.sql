-- Written by `npm run migrations:d1` from src/store/migrations.ts (0004_language_and_channel); do not edit.
alter table "conversations" add column "language" text;
alter table "conversations" add column "channel" text default 'sms' not null;
alter table "messages" add column "medium" text default 'sms' not null;
