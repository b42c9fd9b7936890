CREATE INDEX "customers_email_prefix_idx" ON "customers" USING btree (lower("email") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "customers_name_prefix_idx" ON "customers" USING btree (lower("display_name") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "identities_external_idx" ON "identities" USING btree ("external_id");