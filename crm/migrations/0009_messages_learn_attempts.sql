DROP INDEX "messages_unlearned_idx";--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "learn_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "learn_error" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "learn_failed_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "messages_unlearned_idx" ON "messages" USING btree ("created_at") WHERE "messages"."direction" = 'inbound' and "messages"."learned_at" is null and "messages"."learn_failed_at" is null;