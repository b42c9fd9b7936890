CREATE TABLE "customers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"display_name" text,
	"email" text,
	"language" text,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "identities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"customer_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"external_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"customer_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"conversation_id" text NOT NULL,
	"direction" text NOT NULL,
	"author" text NOT NULL,
	"text" text DEFAULT '' NOT NULL,
	"activity_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bot_state" (
	"key" text PRIMARY KEY NOT NULL,
	"document" jsonb NOT NULL,
	"etag" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversation_references" (
	"channel_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"customer_id" text,
	"reference" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversation_references_channel_id_conversation_id_pk" PRIMARY KEY("channel_id","conversation_id")
);
--> statement-breakpoint
CREATE TABLE "directline_activities" (
	"conversation_id" text NOT NULL,
	"seq" integer NOT NULL,
	"activity" jsonb NOT NULL,
	"client_activity_id" text,
	"handled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "directline_activities_conversation_id_seq_pk" PRIMARY KEY("conversation_id","seq")
);
--> statement-breakpoint
CREATE TABLE "directline_conversations" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"next_seq" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_activity_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "identities" ADD CONSTRAINT "identities_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "directline_activities" ADD CONSTRAINT "directline_activities_conversation_id_directline_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."directline_conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "identities_kind_external_uq" ON "identities" USING btree ("kind","external_id");--> statement-breakpoint
CREATE INDEX "identities_customer_idx" ON "identities" USING btree ("customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_activity_uq" ON "messages" USING btree ("channel","conversation_id","activity_id","direction");--> statement-breakpoint
CREATE INDEX "messages_customer_time_idx" ON "messages" USING btree ("customer_id","created_at");--> statement-breakpoint
CREATE INDEX "conversation_references_customer_idx" ON "conversation_references" USING btree ("customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "directline_activities_client_uq" ON "directline_activities" USING btree ("conversation_id","client_activity_id") WHERE "directline_activities"."client_activity_id" is not null;--> statement-breakpoint
CREATE INDEX "directline_activities_pending_idx" ON "directline_activities" USING btree ("created_at") WHERE "directline_activities"."handled_at" is null and "directline_activities"."activity"->>'type' = 'message' and "directline_activities"."activity"->'from'->>'role' = 'user';