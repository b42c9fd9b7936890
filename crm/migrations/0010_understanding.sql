CREATE TABLE "intent_labels" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"text" text NOT NULL,
	"language" text NOT NULL,
	"intent" text NOT NULL,
	"source" text NOT NULL,
	"message_id" uuid,
	"ticket_id" uuid,
	"previous_intent" text,
	"labelled_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "message_understandings" (
	"message_id" uuid PRIMARY KEY NOT NULL,
	"channel" text NOT NULL,
	"conversation_id" text NOT NULL,
	"language" text NOT NULL,
	"intent" text NOT NULL,
	"confidence" double precision NOT NULL,
	"ranking" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"out_of_scope" boolean NOT NULL,
	"sentiment_label" text NOT NULL,
	"sentiment_score" double precision NOT NULL,
	"model_version" text NOT NULL,
	"outcome" text,
	"outcome_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "intent_labels" ADD CONSTRAINT "intent_labels_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_understandings" ADD CONSTRAINT "message_understandings_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "intent_labels_message_source_uq" ON "intent_labels" USING btree ("message_id","source");--> statement-breakpoint
CREATE INDEX "intent_labels_time_idx" ON "intent_labels" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "message_understandings_time_idx" ON "message_understandings" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "message_understandings_model_idx" ON "message_understandings" USING btree ("model_version","created_at");--> statement-breakpoint
CREATE INDEX "message_understandings_not_understood_idx" ON "message_understandings" USING btree ("created_at") WHERE "message_understandings"."outcome" in ('not_understood', 'clarified') or "message_understandings"."out_of_scope";