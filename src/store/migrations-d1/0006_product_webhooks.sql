-- Written by `npm run migrations:d1` from src/store/migrations.ts (0006_product_webhooks); do not edit.
create table "product_webhooks" ("id" integer primary key autoincrement, "webhook_id" text not null unique, "phone" text not null, "type" text not null, "payload" text not null, "status" text not null, "attempts" integer default 0 not null, "next_attempt_at" integer, "give_up_at" integer not null, "last_error" text, "held_message_id" integer, "created_at" integer not null, "updated_at" integer not null, "delivered_at" integer);
create index "product_webhooks_due" on "product_webhooks" ("status", "next_attempt_at");
create index "product_webhooks_phone" on "product_webhooks" ("phone", "id");
