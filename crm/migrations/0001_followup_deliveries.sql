CREATE TABLE "deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"channel" text NOT NULL,
	"conversation_id" text NOT NULL,
	"ticket_id" uuid,
	"activity_ids" jsonb NOT NULL,
	"delivered_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "deliveries_ticket_idx" ON "deliveries" USING btree ("ticket_id");--> statement-breakpoint
CREATE INDEX "deliveries_conversation_idx" ON "deliveries" USING btree ("channel","conversation_id");