ALTER TABLE "messages" ADD COLUMN "learned_at" timestamp with time zone;--> statement-breakpoint
-- Messages stored before this version were learned inline when they arrived (or never will be): not again.
UPDATE "messages" SET "learned_at" = "created_at" WHERE "direction" = 'inbound';--> statement-breakpoint
CREATE INDEX "messages_unlearned_idx" ON "messages" USING btree ("created_at") WHERE "messages"."direction" = 'inbound' and "messages"."learned_at" is null;