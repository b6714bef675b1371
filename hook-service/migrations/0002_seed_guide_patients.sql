-- The guide's three patients. A migration runs once per database, so a
-- patient an attendee removes stays removed.
INSERT INTO patients (login, patient_id) VALUES
    ('jessie.smith@example.com', '1235'),
    ('kim.sato@example.com', '6789'),
    ('rajiv.tal@example.com', '4235');
