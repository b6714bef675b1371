-- The patient store: one external patient id per Okta login.
-- Okta logins are case-insensitive, so the key is compared with NOCASE
-- (SQLite folds ASCII letters only, which covers the guide's logins).
CREATE TABLE patients (
    login      TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
    patient_id TEXT NOT NULL
);
