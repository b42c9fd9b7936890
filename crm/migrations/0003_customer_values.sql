CREATE TABLE "customer_values" (
	"customer_id" uuid PRIMARY KEY NOT NULL,
	"recency_days" integer NOT NULL,
	"frequency" integer NOT NULL,
	"monetary_minor" bigint NOT NULL,
	"r_score" integer NOT NULL,
	"f_score" integer NOT NULL,
	"m_score" integer NOT NULL,
	"fm_score" integer NOT NULL,
	"rfm_code" text NOT NULL,
	"segment" text NOT NULL,
	"ltv_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"p_alive" double precision NOT NULL,
	"churn_risk" boolean NOT NULL,
	"first_order_at" timestamp with time zone NOT NULL,
	"last_order_at" timestamp with time zone NOT NULL,
	"as_of" timestamp with time zone NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "customer_values" ADD CONSTRAINT "customer_values_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customer_values_segment_idx" ON "customer_values" USING btree ("segment");--> statement-breakpoint
CREATE INDEX "customer_values_churn_idx" ON "customer_values" USING btree ("churn_risk");