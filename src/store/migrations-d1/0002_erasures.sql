-- Written by `npm run migrations:d1` from src/store/migrations.ts (0002_erasures); do not edit.
create table "erasures" ("id" integer primary key autoincrement, "phone_hint" text not null, "operator" text not null, "erased_at" integer not null, "removed" text not null);
