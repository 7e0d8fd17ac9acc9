-- A failed analysis's reason as a stable code for programs (invalid-input, judge-unavailable,
-- given-up, internal) beside the message for people. Analyses that failed before it stay NULL.
ALTER TABLE analysis ADD COLUMN error_code text;
